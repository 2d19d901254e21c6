package dev.peapod.cli.controller;

import dev.peapod.cli.ChannelDeadline;
import dev.peapod.cli.CliException;
import dev.peapod.cli.ExitCodes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import jdk.net.ExtendedSocketOptions;

/**
 * Talks to a running {@code peapod serve} over its unix socket, {@code $PEAPOD_HOME/peapod.sock}:
 * one HTTP/1.1 request per connection ({@code Connection: close}), read to the end. The JDK's HTTP
 * client cannot use a unix socket, and a request/response this small needs no library.
 *
 * <p>It talks only to a controller of its own user or root's: once connected, the peer's uid as the
 * kernel reports it ({@code SO_PEERCRED}) is checked before anything is sent, as the launcher's
 * client does. Anyone who could put a socket in the home would otherwise be sent the requests and
 * have their answers taken for the controller's; such a socket counts as no controller ({@link
 * #postIfServed}) or fails the command.
 */
public final class ControllerClient {

  /** A response: status and body (chunked transfer decoded). */
  public record Response(int status, String body) {}

  /**
   * How long an answer may take once the request is sent, as the launcher's client waits (REPLY_SECONDS): a
   * cold boot on a busy TCG host takes seconds, a controller that stalled (stopped, deadlocked) would
   * otherwise hold the command forever. Past it, the command waits on for as long as the controller
   * answers {@link #LIVENESS_PATH} on another connection, once per period.
   */
  static final Duration REPLY_TIMEOUT = Duration.ofSeconds(300);
  /** How long the request may take to be taken (the launcher's client's SEND_SECONDS). */
  static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);
  /** Asked, once the reply timeout passed, to tell a busy controller from a stalled one. */
  static final String LIVENESS_PATH = "/v1/version";
  static final Duration LIVENESS_TIMEOUT = Duration.ofSeconds(15);

  private final Path socket;
  private final Duration replyTimeout;
  /** Whether a request outlasting the reply timeout waits on while the controller answers {@link #LIVENESS_PATH}. */
  private final boolean waitsOnWhileServing;

  public ControllerClient(Path peapodHome) {
    this(peapodHome, REPLY_TIMEOUT);
  }

  ControllerClient(Path peapodHome, Duration replyTimeout) {
    this(peapodHome, replyTimeout, true);
  }

  private ControllerClient(Path peapodHome, Duration replyTimeout, boolean waitsOnWhileServing) {
    this.socket = peapodHome.resolve("peapod.sock");
    this.replyTimeout = replyTimeout;
    this.waitsOnWhileServing = waitsOnWhileServing;
  }

  public Response get(String path) {
    return send("GET", path);
  }

  public Response post(String path) {
    return send("POST", path);
  }

  /**
   * The request, when a controller listens on the socket; empty when none does (no socket, or
   * one a controller that ended left behind: the connection is refused), so the caller can do the
   * work itself. Nothing has reached a controller when this is empty; once connected, a failure
   * is an error, since the controller may have acted on the request.
   *
   * @param connected run once connected, before the request is sent (e.g. to let go of a lock
   *     the controller will take)
   */
  public Optional<Response> postIfServed(String path, Runnable connected) {
    return postIfServed(path, null, connected);
  }

  /** {@link #postIfServed(String, Runnable)} with a JSON body ({@code json}; null: none). */
  public Optional<Response> postIfServed(String path, String json, Runnable connected) {
    if (!Files.exists(socket)) {
      return Optional.empty();
    }
    SocketChannel channel;
    try {
      channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
    } catch (IOException e) {
      return Optional.empty();
    }
    if (!trusted(channel)) {
      closeQuietly(channel);
      return Optional.empty(); // sent nothing; the command does the work itself
    }
    try {
      connected.run();
    } catch (RuntimeException e) {
      closeQuietly(channel);
      throw e;
    }
    return Optional.of(exchange(channel, "POST", path, json));
  }

  private Response send(String method, String path) {
    if (!Files.exists(socket)) {
      throw new CliException(ExitCodes.ERROR, "no controller runs for this Peapod home (" + socket
          + " is missing); start one with: peapod serve --source ...");
    }
    SocketChannel channel;
    try {
      channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
    } catch (IOException e) {
      throw failed(e);
    }
    if (!trusted(channel)) {
      closeQuietly(channel);
      throw failed("the process listening there runs as another user");
    }
    return exchange(channel, method, path, null);
  }

  /** Whether the peer runs as this process's user or as root (who may serve anyone). */
  static boolean trusted(SocketChannel channel) {
    try {
      UserPrincipal peer = channel.getOption(ExtendedSocketOptions.SO_PEERCRED).user();
      return peer.equals(Files.getOwner(Path.of("/proc/self"))) || peer.equals(ROOT);
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }

  /**
   * uid 0, or null: looked up by number (the JDK's lookup takes a number when no user has that name);
   * the JDK's principals hash to their uid, which confirms it (a user named "0" would not be taken for
   * root: then only the own user is trusted).
   */
  private static final UserPrincipal ROOT = root();

  private static UserPrincipal root() {
    try {
      UserPrincipal root = java.nio.file.FileSystems.getDefault().getUserPrincipalLookupService()
          .lookupPrincipalByName("0");
      return root.hashCode() == 0 ? root : null;
    } catch (IOException e) {
      return null;
    }
  }

  private Response exchange(SocketChannel connected, String method, String path, String json) {
    try (SocketChannel channel = connected) {
      byte[] body = json == null ? new byte[0] : json.getBytes(StandardCharsets.UTF_8);
      String request = method + " " + path + " HTTP/1.1\r\nHost: peapod\r\nAccept: application/json\r\n"
          + (json == null ? "" : "Content-Type: application/json\r\n")
          + "Content-Length: " + body.length + "\r\nConnection: close\r\n\r\n";
      ByteBuffer out = ByteBuffer.allocate(request.length() + body.length);
      out.put(request.getBytes(StandardCharsets.US_ASCII)).put(body).flip();
      channel.configureBlocking(false); // a channel's blocking read has no timeout: waits go through a selector
      try (Selector selector = Selector.open()) {
        long sendBy = System.nanoTime() + SEND_TIMEOUT.toNanos();
        while (out.hasRemaining()) {
          if (channel.write(out) == 0) {
            ChannelDeadline.await(channel, selector, SelectionKey.OP_WRITE, sendBy, "the request was not taken within "
                + SEND_TIMEOUT.toSeconds() + " s");
          }
        }
        long replyBy = System.nanoTime() + replyTimeout.toNanos();
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        ByteBuffer buffer = ByteBuffer.allocate(16384);
        int n;
        while ((n = channel.read(buffer)) >= 0) {
          if (n == 0) {
            if (waitsOnWhileServing && System.nanoTime() - replyBy >= 0 && stillServing()) {
              replyBy = System.nanoTime() + replyTimeout.toNanos(); // busy (a long start), not stalled
            }
            ChannelDeadline.await(channel, selector, SelectionKey.OP_READ, replyBy, "no answer within " + replyTimeout.toSeconds()
                + " s, and it did not answer " + LIVENESS_PATH + " within " + livenessTimeout().toSeconds()
                + " s either; what it was asked may still be going on (see peapod ps)");
          }
          raw.write(buffer.array(), 0, buffer.position());
          buffer.clear();
        }
        return parse(raw.toByteArray());
      }
    } catch (IOException e) {
      throw failed(e);
    }
  }

  /**
   * Whether the controller still answers a cheap request on a connection of its own. A controller that
   * ended closes the request's connection, so the wait ends by itself; what this tells apart is a
   * controller that is busy with a long request (a cold boot of a large pod on a loaded TCG host can take
   * minutes: waiting on is right) from one that stalled (stopped, deadlocked: the command fails).
   */
  private boolean stillServing() {
    try {
      return new ControllerClient(socket.getParent(), livenessTimeout(), false).send("GET", LIVENESS_PATH).status() == 200;
    } catch (CliException e) {
      return false;
    }
  }

  private Duration livenessTimeout() {
    return replyTimeout.compareTo(LIVENESS_TIMEOUT) < 0 ? replyTimeout : LIVENESS_TIMEOUT;
  }

  private static void closeQuietly(SocketChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // nothing was sent on it
    }
  }

  private CliException failed(IOException e) {
    return new CliException(ExitCodes.ERROR, "cannot talk to the controller on " + socket + ": " + e.getMessage()
        + " (is peapod serve running?)", e);
  }

  /** The error of an exchange that broke, as another client reported it ({@code message}: what went wrong). */
  public CliException failed(String message) {
    return new CliException(ExitCodes.ERROR, "cannot talk to the controller on " + socket + ": " + message
        + " (is peapod serve running?)");
  }

  /** A response as read from the socket (also by the launcher's client, see ControllerRun.RELAYED). */
  public static Response parse(byte[] raw) {
    String text = new String(raw, StandardCharsets.UTF_8);
    int headerEnd = text.indexOf("\r\n\r\n");
    if (!text.startsWith("HTTP/1.") || headerEnd < 0) {
      throw new CliException(ExitCodes.ERROR, "the controller sent no HTTP response");
    }
    String[] head = text.substring(0, headerEnd).split("\r\n");
    int status = Integer.parseInt(head[0].split(" ")[1]);
    boolean chunked = false;
    for (String line : head) {
      if (line.toLowerCase(Locale.ROOT).replace(" ", "").equals("transfer-encoding:chunked")) {
        chunked = true;
      }
    }
    String body = text.substring(headerEnd + 4);
    return new Response(status, chunked ? unchunk(body) : body);
  }

  private static String unchunk(String body) {
    StringBuilder out = new StringBuilder();
    int at = 0;
    while (at < body.length()) {
      int lineEnd = body.indexOf("\r\n", at);
      if (lineEnd < 0) {
        break;
      }
      int size = Integer.parseInt(body.substring(at, lineEnd).split(";")[0].trim(), 16);
      if (size == 0) {
        break;
      }
      out.append(body, lineEnd + 2, lineEnd + 2 + size);
      at = lineEnd + 2 + size + 2;
    }
    return out.toString();
  }
}
