package dev.peapod.cli.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A plain-HTTP registry on 127.0.0.1 that serves one OCI layout written by
 * {@link OciLayoutWriter}: any {@code /v2/NAME/manifests/TAG} answers with the layout's manifest,
 * {@code /v2/NAME/blobs/DIGEST} with the blob, everything else 404 in the registry's error format.
 */
public final class LayoutRegistry implements AutoCloseable {
  private final HttpServer server;

  public LayoutRegistry(Path layout) throws IOException {
    JsonNode index = new ObjectMapper().readTree(layout.resolve("index.json").toFile());
    String manifestDigest = index.get("manifests").get(0).get("digest").asText();
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/v2/", exchange -> {
      try (exchange) {
        String path = exchange.getRequestURI().getPath();
        if (path.equals("/v2/")) {
          send(exchange, 200, "application/json", "{}".getBytes(), null);
        } else if (path.contains("/manifests/") && !path.endsWith("/nosuch")) {
          byte[] manifest = Files.readAllBytes(blob(layout, manifestDigest));
          send(exchange, 200, "application/vnd.oci.image.manifest.v1+json", manifest, manifestDigest);
        } else if (path.contains("/blobs/sha256:") && Files.exists(blob(layout, digestOf(path)))) {
          send(exchange, 200, "application/octet-stream", Files.readAllBytes(blob(layout, digestOf(path))), digestOf(path));
        } else {
          send(exchange, 404, "application/json",
              "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\"}]}".getBytes(), null);
        }
      }
    });
    server.start();
  }

  /** {@code 127.0.0.1:PORT}, to put in front of a repository name. */
  public String host() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private static String digestOf(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  private static Path blob(Path layout, String digest) {
    return layout.resolve("blobs/sha256").resolve(digest.substring("sha256:".length()));
  }

  private static void send(HttpExchange exchange, int status, String type, byte[] body, String digest) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    if (digest != null) {
      exchange.getResponseHeaders().set("Docker-Content-Digest", digest);
    }
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head ? -1 : body.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }
}
