package dev.peapod.provider.qemu.guest;

import dev.peapod.provider.ExecSession;
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
 * An exec'd process in the guest, driven over a {@link GuestConnection}: EXEC
 * starts it under a host-chosen process id, STDIN/STDOUT/STDERR frames carry
 * its streams, and EVENT_EXITED for that id ends it.
 */
public final class GuestExecSession implements ExecSession, ProcessSink {

  /** guest-init's errno values: no such process; stdin closed; stdin buffer full. */
  private static final int ESRCH = 3;
  private static final int EPIPE = 32;
  private static final int ENOBUFS = 105;

  private final GuestConnection connection;
  private final String process;
  /**
   * Most bytes of one stream's output the host keeps unread. A guest can write far faster than
   * some readers take it (a terminal, a slow HTTP client of the controller's exec), and the
   * connection's reader thread must not wait for them, so beyond this the output is dropped,
   * the process is killed, and the reader gets what was kept, then an error saying so.
   */
  public static final long MAX_UNREAD_OUTPUT = 8L << 20;

  private final StreamBuffer stdout;
  private final StreamBuffer stderr;
  private final CompletableFuture<Integer> exit = new CompletableFuture<>();
  private final GuestStdin stdin;
  private volatile int pid;

  private GuestExecSession(GuestConnection connection, String process, long maxUnreadOutput) {
    this.connection = connection;
    this.process = process;
    this.stdin = new GuestStdin(connection, process, this::exited);
    this.stdout = new StreamBuffer(maxUnreadOutput, overflowMessage("stdout", maxUnreadOutput), this::overflowed);
    this.stderr = new StreamBuffer(maxUnreadOutput, overflowMessage("stderr", maxUnreadOutput), this::overflowed);
  }

  private String overflowMessage(String stream, long limit) {
    return "exec " + process + ": more than " + limit + " bytes of its " + stream
        + " waited unread on the host; the rest was dropped and the process killed";
  }

  /**
   * One stream overflowed (called on the connection's reader thread, which must not wait for a
   * reply): the process is killed from another thread, so it stops producing output nobody takes.
   */
  private void overflowed() {
    CompletableFuture.runAsync(() -> {
      try {
        signal(9);
      } catch (RuntimeException e) {
        // the connection broke or the process ended: either way it writes no more
      }
    });
  }

  /**
   * Starts the process and returns once the guest confirmed it runs.
   *
   * @param process an id unique among the VM's processes; never a container name
   * @throws GuestErrorException if the guest could not start it (no such container, command not found ...)
   */
  public static GuestExecSession start(GuestConnection connection, String process, ExecSpec spec, Duration timeout) {
    return start(connection, process, spec, timeout, MAX_UNREAD_OUTPUT);
  }

  /** {@link #start} with another bound on unread output per stream (tests use a small one). */
  static GuestExecSession start(GuestConnection connection, String process, ExecSpec spec, Duration timeout,
      long maxUnreadOutput) {
    GuestExecSession session = new GuestExecSession(connection, process, maxUnreadOutput);
    // Register before sending: output and even the exit may arrive before the OK is read.
    connection.register(process, session);
    try {
      Fields ok = connection.call(Wire.MSG_EXEC, GuestMessages.exec(process, spec), timeout);
      session.pid = ok.u32(Wire.F_PID).orElse(0);
      return session;
    } catch (RuntimeException e) {
      connection.unregister(process);
      throw e;
    }
  }

  /** The process's pid in the guest. */
  public int pid() {
    return pid;
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

  /**
   * Whether the exit is known. Nothing is sent for a process after that: the guest would only
   * answer that there is no such process (and one-way messages sent just before it are still
   * answered so; {@link GuestConnection} takes such late answers as expected).
   */
  private boolean exited() {
    return exit.isDone();
  }

  @Override
  public void resize(ExecSpec.TerminalSize size) {
    if (exited()) {
      return;
    }
    connection.post(Wire.MSG_WINSIZE, Fields.builder().str(Wire.F_PROCESS, process)
        .u32(Wire.F_ROWS, size.rows()).u32(Wire.F_COLS, size.cols()).build());
  }

  @Override
  public void signal(int signal) {
    if (exited()) {
      return;
    }
    try {
      connection.call(Wire.MSG_SIGNAL, Fields.builder().str(Wire.F_PROCESS, process)
          .u32(Wire.F_SIGNAL, signal).build(), Duration.ofSeconds(10));
    } catch (GuestErrorException e) {
      if (e.code() != ESRCH) {
        throw e;
      }
      // It exited while the signal was on its way: what kill(2) on a process that just ended does.
    }
  }

  @Override
  public OptionalInt waitFor(Duration timeout) {
    try {
      return OptionalInt.of(exit.get(timeout.toNanos(), TimeUnit.NANOSECONDS));
    } catch (TimeoutException e) {
      return OptionalInt.empty();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof GuestException g ? g : new GuestException("exec failed", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return OptionalInt.empty();
    }
  }

  @Override
  public void close() {
    connection.unregister(process);
    stdout.close();
    stderr.close();
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
    connection.unregister(process);
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
    if (error.code() == ESRCH || error.code() == EPIPE || error.code() == ENOBUFS) {
      stdin.broken(error); // it finished, closed its stdin, or input came faster than it read
    }
  }
}
