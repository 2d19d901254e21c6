package dev.peapod.controller.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peapod.controller.loop.PeapodController;
import dev.peapod.engine.Engine;
import dev.peapod.provider.ExecSession;
import dev.peapod.provider.ExecSpec;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.OnBinaryMessage;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.vertx.core.buffer.Buffer;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * {@code exec} over a WebSocket: {@code GET /v1/pods/{name}/exec?container=C&command=sh&command=-c&command=...&tty=true&rows=24&cols=80}
 * upgraded. Every binary message starts with a channel byte, as Kubernetes' {@code
 * v4.channel.k8s.io} exec protocol has it: 0 stdin, 1 stdout, 2 stderr, 3 status (JSON
 * {@code {"exitCode": N}}, sent last, then the socket closes), 4 resize (JSON {@code {"rows": R,
 * "cols": C}}); an empty stdin message ({@code [0]}) closes the process's stdin.
 *
 * <p>Each connection has its own engine and provider, so the guest connection it uses ends with
 * it; over TCP the upgrade request needs the bearer token like every other request.
 */
@WebSocket(path = "/v1/pods/{name}/exec")
public class ExecSocket {

  private static final Logger LOG = Logger.getLogger(ExecSocket.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  static final byte STDIN = 0;
  static final byte STDOUT = 1;
  static final byte STDERR = 2;
  static final byte STATUS = 3;
  static final byte RESIZE = 4;

  private record Running(Engine engine, ExecSession session) {}

  private final Map<String, Running> running = new ConcurrentHashMap<>();

  @Inject
  PeapodController controller;

  @OnOpen
  public void open(WebSocketConnection connection) {
    String pod = connection.pathParam("name");
    Map<String, List<String>> query = query(connection.handshakeRequest().query());
    String container = first(query, "container");
    List<String> command = query.getOrDefault("command", List.of());
    if (container == null || command.isEmpty()) {
      refuse(connection, "exec needs ?container=NAME and at least one &command=ARG");
      return;
    }
    boolean tty = "true".equals(first(query, "tty"));
    ExecSpec.TerminalSize size = new ExecSpec.TerminalSize(number(first(query, "rows"), 24), number(first(query, "cols"), 80));
    Engine engine = controller.openEngine("peapod serve (exec)");
    ExecSession session;
    try {
      session = engine.provider().exec(pod, new ExecSpec(container, command, null, null, null, tty, size));
    } catch (RuntimeException e) {
      engine.close();
      refuse(connection, e.getMessage());
      return;
    }
    running.put(connection.id(), new Running(engine, session));
    Thread out = pump(connection, session.stdout(), STDOUT);
    Thread err = tty ? null : pump(connection, session.stderr(), STDERR);
    started("exec-wait " + pod, () -> {
      int code = session.waitFor(Duration.ofDays(3650)).orElse(137);
      join(out);
      join(err);
      send(connection, STATUS, ("{\"exitCode\":" + code + "}").getBytes(StandardCharsets.UTF_8));
      connection.closeAndAwait();
    });
  }

  @OnBinaryMessage
  public void message(WebSocketConnection connection, Buffer message) {
    Running r = running.get(connection.id());
    if (r == null || message.length() == 0) {
      return;
    }
    byte channel = message.getByte(0);
    byte[] data = message.getBytes(1, message.length());
    try {
      if (channel == STDIN) {
        if (data.length == 0) {
          r.session().stdin().close();
        } else {
          r.session().stdin().write(data);
          r.session().stdin().flush();
        }
      } else if (channel == RESIZE) {
        JsonNode size = JSON.readTree(data);
        r.session().resize(new ExecSpec.TerminalSize(size.path("rows").asInt(24), size.path("cols").asInt(80)));
      }
    } catch (IOException e) {
      LOG.debugf("exec in pod %s: %s", connection.pathParam("name"), e.getMessage());
    }
  }

  @OnClose
  public void close(WebSocketConnection connection) {
    Running r = running.remove(connection.id());
    if (r != null) {
      try {
        r.session().close();
      } finally {
        r.engine().close();
      }
    }
  }

  static Thread pump(WebSocketConnection connection, InputStream in, byte channel) {
    return started("exec-" + channel, () -> {
      byte[] buffer = new byte[8192];
      try {
        int n;
        while ((n = in.read(buffer)) >= 0) {
          send(connection, channel, Arrays.copyOf(buffer, n));
        }
      } catch (IOException e) {
        // the session ended
      }
    });
  }

  static void send(WebSocketConnection connection, byte channel, byte[] data) {
    if (!connection.isOpen()) {
      return;
    }
    byte[] framed = new byte[data.length + 1];
    framed[0] = channel;
    System.arraycopy(data, 0, framed, 1, data.length);
    connection.sendBinaryAndAwait(framed);
  }

  static void refuse(WebSocketConnection connection, String why) {
    send(connection, STATUS, ("{\"exitCode\":-1,\"error\":" + quote(why) + "}").getBytes(StandardCharsets.UTF_8));
    connection.closeAndAwait(new CloseReason(1008, why.length() > 120 ? why.substring(0, 120) : why));
  }

  private static String quote(String text) {
    try {
      return JSON.writeValueAsString(text);
    } catch (IOException e) {
      return "\"\"";
    }
  }

  static Map<String, List<String>> query(String query) {
    Map<String, List<String>> out = new ConcurrentHashMap<>();
    if (query == null || query.isEmpty()) {
      return out;
    }
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      out.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
    }
    return out;
  }

  static String first(Map<String, List<String>> query, String key) {
    List<String> values = query.get(key);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  static int number(String text, int fallback) {
    try {
      return text == null ? fallback : Integer.parseInt(text);
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  static Thread started(String name, Runnable body) {
    Thread thread = new Thread(body, name);
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  static void join(Thread thread) {
    if (thread != null) {
      try {
        thread.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
