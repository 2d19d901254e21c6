package dev.peapod.provider;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.OptionalInt;

/**
 * A client attached to a container's main process ({@link Provider#attach}). The process runs on
 * whatever the client does: detaching ({@link #close}) leaves it running, as does the client going
 * away. Its streams must be drained by the caller.
 */
public interface AttachSession extends AutoCloseable {

  /**
   * The process's stdin. Closing it is this client's end of input: the process sees end of file
   * only when its container has {@link ContainerSpec.Stdio#stdinOnce()}, as with Docker; otherwise
   * its stdin stays open for the next client. Writing fails when the session has no stdin.
   */
  OutputStream stdin();

  /** The process's stdout from the moment of attaching (with a tty: the terminal output). */
  InputStream stdout();

  /** The process's stderr; always empty with a tty. */
  InputStream stderr();

  /** Tells the process's terminal its new size; ignored without a tty. */
  void resize(ExecSpec.TerminalSize size);

  /**
   * Waits until the main process exits while attached and returns its exit code (status, or
   * 128+signal), which ends the session as it ends {@code docker attach}; empty on timeout.
   */
  OptionalInt waitFor(Duration timeout);

  /**
   * Detaches: the process keeps running; with {@link ContainerSpec.Stdio#stdinOnce()} and this
   * session's stdin its input ends, as Kubernetes has it.
   */
  @Override
  void close();
}
