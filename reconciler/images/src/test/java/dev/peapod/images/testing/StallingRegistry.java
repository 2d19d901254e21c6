package dev.peapod.images.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A registry written on a bare ServerSocket, for what no HTTP server library does on purpose:
 * it serves an OCI layout's manifests and blobs with their full Content-Length, but of the
 * objects chosen with {@link #stall} it sends the headers and half the body and then nothing,
 * keeping the connection open until closed.
 */
public final class StallingRegistry implements AutoCloseable {
  private final ServerSocket server;
  private final Path layout;
  private final Map<String, String> tags = new ConcurrentHashMap<>();
  private final Map<String, String> mediaTypes = new ConcurrentHashMap<>();
  private final Map<String, Boolean> stalled = new ConcurrentHashMap<>();
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  /** Request paths, in order. */
  public final List<String> requests = new CopyOnWriteArrayList<>();

  public StallingRegistry(Path layout) throws IOException {
    this.layout = layout;
    JsonNode index = new ObjectMapper().readTree(layout.resolve("index.json").toFile());
    for (JsonNode m : index.path("manifests")) {
      tags.put(m.path("annotations").path("org.opencontainers.image.ref.name").asText(), m.path("digest").asText());
      mediaTypes.put(m.path("digest").asText(), m.path("mediaType").asText());
    }
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::accept, "stalling-registry");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public String host() {
    return "127.0.0.1:" + server.getLocalPort();
  }

  /** The body of this blob, or of the manifest of this tag, stops half way. */
  public void stall(String digestOrTag) {
    stalled.put(digestOrTag, true);
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket socket = server.accept();
        open.add(socket);
        Thread handler = new Thread(() -> serve(socket), "stalling-registry-conn");
        handler.setDaemon(true);
        handler.start();
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void serve(Socket socket) {
    try (socket) {
      BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
      String requestLine = in.readLine();
      for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
        // headers are not needed
      }
      if (requestLine == null) {
        return;
      }
      String path = requestLine.split(" ")[1];
      requests.add(path);
      int manifests = path.indexOf("/manifests/");
      int blobs = path.indexOf("/blobs/");
      String name = manifests >= 0 ? path.substring(manifests + 11) : blobs >= 0 ? path.substring(blobs + 7) : "";
      String digest = tags.getOrDefault(name, name);
      Path file = digest.startsWith("sha256:") ? layout.resolve("blobs/sha256/" + digest.substring(7)) : null;
      OutputStream out = socket.getOutputStream();
      if (file == null || !Files.exists(file)) {
        out.write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        return;
      }
      byte[] body = Files.readAllBytes(file);
      StringBuilder head = new StringBuilder("HTTP/1.1 200 OK\r\nContent-Length: ").append(body.length).append("\r\n");
      if (manifests >= 0) {
        head.append("Content-Type: ").append(mediaTypes.getOrDefault(digest, "application/vnd.oci.image.manifest.v1+json"))
            .append("\r\nDocker-Content-Digest: ").append(digest).append("\r\n");
      }
      out.write(head.append("Connection: close\r\n\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
      if (stalled.containsKey(name) || stalled.containsKey(digest)) {
        out.write(body, 0, body.length / 2);
        out.flush();
        while (socket.getInputStream().read() >= 0) {
          // hold the connection open, sending nothing, until the client or close() ends it
        }
        return;
      }
      out.write(body);
      out.flush();
    } catch (IOException e) {
      // the client went away
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : open) {
      s.close();
    }
  }
}
