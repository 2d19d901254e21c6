package dev.peapod.provider.qemu.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A minimal client of QEMU's QMP monitor: greeting, capability negotiation,
 * then one command at a time. Asynchronous events QEMU interleaves (STOP,
 * SHUTDOWN ...) are skipped. The provider uses it as the VMM-level fallback
 * when guest-init does not answer: {@code query-status} and {@code quit}.
 */
public final class QmpClient implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final SocketChannel channel;
  private final Duration timeout;
  /** Lines read from QEMU by a reader thread, so that waiting for one can time out. */
  private final BlockingQueue<Object> lines = new LinkedBlockingQueue<>();

  private QmpClient(SocketChannel channel, Duration timeout) {
    this.channel = channel;
    this.timeout = timeout;
    Thread reader = new Thread(this::pump, "peapod-qmp");
    reader.setDaemon(true);
    reader.start();
  }

  /** Connects, reads the greeting and leaves negotiation mode; each reply must come within {@code timeout}. */
  public static QmpClient connect(Path socket, Duration timeout) {
    SocketChannel channel;
    try {
      channel = dev.peapod.provider.qemu.runtime.VmSockets.connect(socket);
    } catch (dev.peapod.provider.qemu.runtime.VmSockets.WrongPeerException e) {
      throw new QmpException(e.getMessage(), e);
    } catch (IOException e) {
      throw new QmpException("cannot connect to QMP socket " + socket + ": " + e.getMessage(), e);
    }
    QmpClient client = new QmpClient(channel, timeout);
    try {
      JsonNode greeting = client.readLine();
      if (!greeting.has("QMP")) {
        throw new QmpException("unexpected QMP greeting: " + greeting);
      }
      client.execute("qmp_capabilities");
      return client;
    } catch (RuntimeException e) {
      client.close();
      throw e;
    }
  }

  /** Runs a command without arguments and returns its "return" value. */
  public JsonNode execute(String command) {
    return execute(command, null);
  }

  /** Runs a command and returns its "return" value; an "error" reply becomes a {@link QmpException}. */
  public JsonNode execute(String command, ObjectNode arguments) {
    ObjectNode request = JSON.createObjectNode().put("execute", command);
    if (arguments != null) {
      request.set("arguments", arguments);
    }
    try {
      // Straight to the channel: Channels.newOutputStream would wait for the
      // reader thread's blocking read to finish (they share the channel's blocking lock).
      ByteBuffer bytes = ByteBuffer.wrap((JSON.writeValueAsString(request) + "\n").getBytes(StandardCharsets.UTF_8));
      while (bytes.hasRemaining()) {
        channel.write(bytes);
      }
    } catch (IOException e) {
      throw new QmpException("QMP " + command + ": write failed: " + e.getMessage(), e);
    }
    while (true) {
      JsonNode reply = readLine();
      if (reply.has("return")) {
        return reply.get("return");
      }
      if (reply.has("error")) {
        throw new QmpException("QMP " + command + " failed: " + reply.get("error").path("desc").asText());
      }
      // an asynchronous event: not ours
    }
  }

  /**
   * Runs a human monitor (HMP) command through QMP and returns its output,
   * for the few things only HMP can do (hostfwd_add, hostfwd_remove).
   */
  public String humanMonitorCommand(String commandLine) {
    return execute("human-monitor-command", JSON.createObjectNode().put("command-line", commandLine)).asText();
  }

  /** The VM's run state, e.g. "running" or "paused". */
  public String status() {
    return execute("query-status").path("status").asText();
  }

  /** Asks QEMU to exit at once (the guest gets no say); the connection ends with it. */
  public void quit() {
    try {
      execute("quit");
    } catch (QmpException e) {
      // QEMU may close the socket before or instead of replying; that is the point of quit.
    }
  }

  private JsonNode readLine() {
    Object line;
    try {
      line = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new QmpException("interrupted while waiting for QMP");
    }
    if (line == null) {
      close();
      throw new QmpException("no QMP reply within " + timeout.toMillis() + " ms");
    }
    if (line instanceof Throwable t) {
      throw new QmpException("QEMU closed the QMP connection", t);
    }
    try {
      return JSON.readTree((String) line);
    } catch (IOException e) {
      throw new QmpException("QMP sent invalid JSON: " + e.getMessage(), e);
    }
  }

  /** Moves lines from the socket to {@link #lines}; a Throwable marks the end. */
  private void pump() {
    ByteBuffer buf = ByteBuffer.allocate(8192);
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    try {
      while (channel.read(buf.clear()) >= 0) {
        for (int i = 0; i < buf.position(); i++) {
          byte b = buf.get(i);
          if (b == '\n') {
            lines.add(line.toString(StandardCharsets.UTF_8));
            line.reset();
          } else {
            line.write(b);
          }
        }
      }
      lines.add(new EOFException("end of QMP stream"));
    } catch (IOException e) {
      lines.add(e);
    }
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException ignored) {
      // closing a monitor connection has no failure worth reporting
    }
  }
}
