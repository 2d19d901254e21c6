package dev.peapod.images.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.peapod.images.oci.Digest;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small in-test registry over an OCI layout, for what a real registry will not do:
 * serve tampered bytes, fail on purpose, ask for bearer tokens, serve odd media types.
 */
public final class FakeRegistry implements AutoCloseable {
  private final HttpServer server;
  private final Path layout;
  private final Map<String, String> tags = new ConcurrentHashMap<>();
  private final Map<String, byte[]> tampered = new ConcurrentHashMap<>();
  private final Map<String, String> contentTypes = new ConcurrentHashMap<>();
  /** Requests as "GET /v2/...", in order. */
  public final List<String> requests = new CopyOnWriteArrayList<>();
  private final AtomicInteger failures = new AtomicInteger();
  private volatile int failureStatus;
  private volatile String user;
  private volatile String password;
  private volatile String realm;
  /** The Authorization header of each /token request ("" when there was none), in order. */
  public final List<String> tokenAuthorizations = new CopyOnWriteArrayList<>();

  public FakeRegistry(Path layout) throws IOException {
    this.layout = layout;
    JsonNode index = new ObjectMapper().readTree(layout.resolve("index.json").toFile());
    for (JsonNode m : index.path("manifests")) {
      tags.put(m.path("annotations").path("org.opencontainers.image.ref.name").asText(), m.path("digest").asText());
      contentTypes.put(m.path("digest").asText(), m.path("mediaType").asText());
    }
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  public String host() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  /** Serves these bytes instead of the real blob or manifest. */
  public void tamper(String digest, byte[] bytes) {
    tampered.put(digest, bytes);
  }

  /** The next {@code count} requests fail with {@code status}. */
  public void failNext(int count, int status) {
    failureStatus = status;
    failures.set(count);
  }

  /** Requires a bearer token from /token, which needs these basic credentials. */
  public void requireToken(String username, String secret) {
    this.user = username;
    this.password = secret;
  }

  /** Names this token service in the 401 challenge instead of the registry's own /token. */
  public void tokenRealm(String url) {
    this.realm = url;
  }

  /** Adds a tag whose manifest is these bytes, served with this content type. */
  public void addManifest(String tag, byte[] manifest, String contentType) throws IOException {
    Digest digest = Digest.sha256(manifest);
    Path file = layout.resolve("blobs/sha256/" + digest.hex());
    Files.write(file, manifest);
    tags.put(tag, digest.toString());
    contentTypes.put(digest.toString(), contentType);
  }

  private void handle(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    requests.add(exchange.getRequestMethod() + " " + path);
    try (exchange) {
      if (failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        exchange.getResponseHeaders().add("Retry-After", "0");
        send(exchange, failureStatus, "{\"errors\":[{\"code\":\"UNAVAILABLE\",\"message\":\"try later\"}]}".getBytes());
        return;
      }
      if (path.equals("/token")) {
        token(exchange);
        return;
      }
      if (user != null && !"Bearer good-token".equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
        String tokenService = realm != null ? realm : "http://" + host() + "/token";
        exchange.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"" + tokenService
            + "\",service=\"fake\",scope=\"repository:app:pull\"");
        send(exchange, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"token needed\"}]}".getBytes());
        return;
      }
      int manifests = path.indexOf("/manifests/");
      int blobs = path.indexOf("/blobs/");
      String digest = manifests >= 0 ? tags.getOrDefault(path.substring(manifests + 11), path.substring(manifests + 11))
          : blobs >= 0 ? path.substring(blobs + 7) : null;
      Path file = digest == null || !digest.startsWith("sha256:") ? null : layout.resolve("blobs/sha256/" + digest.substring(7));
      if (file == null || !Files.exists(file)) {
        send(exchange, 404, "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"unknown\"}]}".getBytes());
        return;
      }
      if (manifests >= 0) {
        exchange.getResponseHeaders().add("Content-Type", contentTypes.getOrDefault(digest, "application/vnd.oci.image.manifest.v1+json"));
        exchange.getResponseHeaders().add("Docker-Content-Digest", digest);
      }
      send(exchange, 200, tampered.getOrDefault(digest, Files.readAllBytes(file)));
    }
  }

  private void token(HttpExchange exchange) throws IOException {
    String authorization = exchange.getRequestHeaders().getFirst("Authorization");
    tokenAuthorizations.add(authorization == null ? "" : authorization);
    String expected = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    if (!expected.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
      send(exchange, 401, "{\"details\":\"incorrect username or password\"}".getBytes());
      return;
    }
    send(exchange, 200, "{\"token\":\"good-token\",\"expires_in\":300}".getBytes());
  }

  private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
