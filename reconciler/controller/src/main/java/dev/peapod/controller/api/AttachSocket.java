package dev.peapod.controller.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peapod.controller.loop.PeapodController;
import dev.peapod.engine.Engine;
import dev.peapod.provider.AttachSession;
import dev.peapod.provider.AttachSpec;
import dev.peapod.provider.ExecSpec;
import io.quarkus.websockets.next.OnBinaryMessage;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.vertx.core.buffer.Buffer;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * {@code attach} over a WebSocket, beside {@link ExecSocket} and with its channel bytes: {@code GET
 * /v1/pods/{name}/attach?container=C&stdin=true&rows=24&cols=80} upgraded attaches to the
 * container's main process ({@code stdin=true} only for a container with {@code stdin: true};
 * rows and cols set a tty's size). Output comes on 1 and 2 from the moment of attaching; an empty
 * stdin message is this client's end of input (the process's only with {@code stdinOnce}); 4
 * resizes. When the process exits, 3 carries {@code {"exitCode": N}} and the socket closes;
 * closing the socket detaches and leaves the process running.
 */
@WebSocket(path = "/v1/pods/{name}/attach")
public class AttachSocket {

  private static final Logger LOG = Logger.getLogger(AttachSocket.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private record Attached(Engine engine, AttachSession session) {}

  private final Map<String, Attached> attached = new ConcurrentHashMap<>();

  @Inject
  PeapodController controller;

  @OnOpen
  public void open(WebSocketConnection connection) {
    String pod = connection.pathParam("name");
    Map<String, List<String>> query = ExecSocket.query(connection.handshakeRequest().query());
    String container = ExecSocket.first(query, "container");
    if (container == null) {
      ExecSocket.refuse(connection, "attach needs ?container=NAME");
      return;
    }
    boolean stdin = "true".equals(ExecSocket.first(query, "stdin"));
    Optional<ExecSpec.TerminalSize> size = ExecSocket.first(query, "rows") == null ? Optional.empty()
        : Optional.of(new ExecSpec.TerminalSize(ExecSocket.number(ExecSocket.first(query, "rows"), 24),
            ExecSocket.number(ExecSocket.first(query, "cols"), 80)));
    Engine engine = controller.openEngine("peapod serve (attach)");
    AttachSession session;
    try {
      session = engine.provider().attach(pod, new AttachSpec(container, stdin, true, size));
    } catch (RuntimeException e) {
      engine.close();
      ExecSocket.refuse(connection, e.getMessage());
      return;
    }
    attached.put(connection.id(), new Attached(engine, session));
    Thread out = ExecSocket.pump(connection, session.stdout(), ExecSocket.STDOUT);
    Thread err = ExecSocket.pump(connection, session.stderr(), ExecSocket.STDERR);
    ExecSocket.started("attach-wait " + pod, () -> {
      OptionalInt code = OptionalInt.empty();
      while (code.isEmpty() && connection.isOpen()) {
        code = session.waitFor(Duration.ofSeconds(1));
      }
      if (code.isEmpty()) {
        return; // the client went: detached by close()
      }
      ExecSocket.join(out);
      ExecSocket.join(err);
      ExecSocket.send(connection, ExecSocket.STATUS, ("{\"exitCode\":" + code.getAsInt() + "}")
          .getBytes(StandardCharsets.UTF_8));
      connection.closeAndAwait();
    });
  }

  @OnBinaryMessage
  public void message(WebSocketConnection connection, Buffer message) {
    Attached a = attached.get(connection.id());
    if (a == null || message.length() == 0) {
      return;
    }
    byte channel = message.getByte(0);
    byte[] data = message.getBytes(1, message.length());
    try {
      if (channel == ExecSocket.STDIN) {
        if (data.length == 0) {
          a.session().stdin().close();
        } else {
          a.session().stdin().write(data);
          a.session().stdin().flush();
        }
      } else if (channel == ExecSocket.RESIZE) {
        JsonNode size = JSON.readTree(data);
        a.session().resize(new ExecSpec.TerminalSize(size.path("rows").asInt(24), size.path("cols").asInt(80)));
      }
    } catch (IOException e) {
      LOG.debugf("attach to pod %s: %s", connection.pathParam("name"), e.getMessage());
    }
  }

  @OnClose
  public void close(WebSocketConnection connection) {
    Attached a = attached.remove(connection.id());
    if (a != null) {
      try {
        a.session().close();
      } finally {
        a.engine().close();
      }
    }
  }
}
