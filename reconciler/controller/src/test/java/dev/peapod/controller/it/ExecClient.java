package dev.peapod.controller.it;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/** A client of the exec WebSocket, speaking its channel bytes (0 stdin, 1 stdout, 2 stderr, 3 status). */
final class ExecClient implements WebSocket.Listener {

  record Result(int exitCode, String stdout, String stderr, String error) {}

  private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
  private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
  private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
  private final CompletableFuture<String> status = new CompletableFuture<>();
  private WebSocket socket;

  static ExecClient open(int port, String token, String pod, String query) throws Exception {
    return open(port, token, pod, "exec", query);
  }

  /** A client of {@code /v1/pods/POD/exec} or {@code /v1/pods/POD/attach}, which speak the same channels. */
  static ExecClient open(int port, String token, String pod, String operation, String query) throws Exception {
    ExecClient client = new ExecClient();
    client.socket = HttpClient.newHttpClient().newWebSocketBuilder()
        .header("Authorization", "Bearer " + token)
        .buildAsync(URI.create("ws://127.0.0.1:" + port + "/v1/pods/" + pod + "/" + operation + "?" + query), client)
        .get(30, TimeUnit.SECONDS);
    return client;
  }

  /** Closes the socket from this side (for attach: detaches). */
  void close() throws Exception {
    socket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(10, TimeUnit.SECONDS);
  }

  /** What arrived on stdout so far. */
  synchronized String stdoutSoFar() {
    return stdout.toString(StandardCharsets.UTF_8);
  }

  void stdin(String text) throws Exception {
    byte[] data = text.getBytes(StandardCharsets.UTF_8);
    ByteBuffer framed = ByteBuffer.allocate(data.length + 1).put((byte) 0).put(data).flip();
    socket.sendBinary(framed, true).get(10, TimeUnit.SECONDS);
  }

  Result await() throws Exception {
    String json = status.get(60, TimeUnit.SECONDS);
    var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
    synchronized (this) {
      return new Result(node.path("exitCode").asInt(), stdout.toString(StandardCharsets.UTF_8),
          stderr.toString(StandardCharsets.UTF_8), node.path("error").asText(""));
    }
  }

  @Override
  public synchronized CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
    byte[] bytes = new byte[data.remaining()];
    data.get(bytes);
    partial.writeBytes(bytes);
    if (last) {
      byte[] message = partial.toByteArray();
      partial.reset();
      if (message.length > 0) {
        switch (message[0]) {
          case 1 -> stdout.write(message, 1, message.length - 1);
          case 2 -> stderr.write(message, 1, message.length - 1);
          case 3 -> status.complete(new String(message, 1, message.length - 1, StandardCharsets.UTF_8));
          default -> { }
        }
      }
    }
    webSocket.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
    status.completeExceptionally(new IllegalStateException("closed without a status: " + statusCode + " " + reason));
    return null;
  }
}
