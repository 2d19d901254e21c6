package dev.peapod.provider.qemu.guest;

import dev.peapod.provider.AttachSession;
import dev.peapod.provider.ExecSpec;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * This host attached to a container's main process over a {@link GuestConnection}: ATTACH
 * starts it, STDOUT/STDERR frames with the container's name as process id carry the output,
 * STDIN and WINSIZE go to it, the main process's EVENT_EXITED ends it, DETACH (on close) leaves
 * the process running. The guest keeps one attachment per container and connection.
 */
public final class GuestAttachSession implements AttachSession, ProcessSink {

  /** guest-init's errno values: no such process; stdin closed; stdin buffer full; no attachment with stdin. */
  private static final int ESRCH = 3;
  private static final int EPIPE = 32;
  private static final int ENOBUFS = 105;
  private static final int EPERM = 1;

  private final GuestConnection connection;
  private final String container;
  private final StreamBuffer stdout;
  private final StreamBuffer stderr;
  private final GuestStdin stdin;
  private final CompletableFuture<Integer> exit = new CompletableFuture<>();
  private volatile boolean closed;

  private GuestAttachSession(GuestConnection connection, String container) {
    this.connection = connection;
    this.container = container;
    // Bounded like an exec's output, but nothing is killed: the process is not ours to end, and
    // what is dropped here is still in the container's log.
    long limit = GuestExecSession.MAX_UNREAD_OUTPUT;
    this.stdout = new StreamBuffer(limit, overflow("stdout", limit), () -> {});
    this.stderr = new StreamBuffer(limit, overflow("stderr", limit), () -> {});
    this.stdin = new GuestStdin(connection, container, exit::isDone);
  }

  private String overflow(String stream, long limit) {
    return "attach " + container + ": more than " + limit + " bytes of its " + stream
        + " waited unread on the host; the rest was dropped here (the container's log has it)";
  }

  /**
   * Attaches and returns once the guest confirmed it.
   *
   * @param size the terminal's size to set first, or null to leave it
   * @throws GuestErrorException if the guest refused (no such container, stdin of a container without one ...)
   */
  public static GuestAttachSession attach(GuestConnection connection, String container, boolean stdin,
      boolean output, ExecSpec.TerminalSize size, Duration timeout) {
    GuestAttachSession session = new GuestAttachSession(connection, container);
    // Register before sending: output may arrive before the OK is read.
    connection.register(container, session);
    try {
      connection.call(Wire.MSG_ATTACH, GuestMessages.attach(container, stdin, output), timeout);
    } catch (RuntimeException e) {
      connection.unregister(container);
      throw e;
    }
    if (size != null) {
      session.resize(size);
    }
    return session;
  }

  @Override
  public OutputStream stdin() {
    return stdin;
  }

  @Override
  public InputStream stdout() {
    return stdout;
  }

  @Override
  public InputStream stderr() {
    return stderr;
  }

  @Override
  public void resize(ExecSpec.TerminalSize size) {
    if (exit.isDone() || closed) {
      return;
    }
    connection.post(Wire.MSG_WINSIZE, Fields.builder().str(Wire.F_PROCESS, container)
        .u32(Wire.F_ROWS, size.rows()).u32(Wire.F_COLS, size.cols()).build());
  }

  @Override
  public OptionalInt waitFor(Duration timeout) {
    try {
      return OptionalInt.of(exit.get(timeout.toNanos(), TimeUnit.NANOSECONDS));
    } catch (TimeoutException e) {
      return OptionalInt.empty();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof GuestException g ? g : new GuestException("attach failed", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return OptionalInt.empty();
    }
  }

  /** DETACH, unless the connection is gone already (which detached everything in the guest). */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    connection.unregister(container);
    stdout.close();
    stderr.close();
    if (connection.isOpen()) {
      try {
        connection.call(Wire.MSG_DETACH, Fields.builder().str(Wire.F_CONTAINER, container).build(),
            Duration.ofSeconds(10));
      } catch (GuestException e) {
        // the VM or the connection went away meanwhile: that detached us as well
      }
    }
  }

  // ---- ProcessSink: called on the connection's reader thread

  @Override
  public void stdout(byte[] data) {
    stdout.write(data);
  }

  @Override
  public void stderr(byte[] data) {
    stderr.write(data);
  }

  @Override
  public void exited(int exitCode) {
    stdout.finish();
    stderr.finish();
    exit.complete(exitCode);
  }

  @Override
  public void failed(GuestException error) {
    stdout.finish();
    stderr.finish();
    exit.completeExceptionally(error);
  }

  @Override
  public void messageFailed(GuestErrorException error) {
    int code = error.code();
    if (code == ESRCH || code == EPIPE || code == ENOBUFS || code == EPERM) {
      stdin.broken(error);
    }
  }
}
