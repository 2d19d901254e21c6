package dev.peapod.provider;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.OptionalInt;

/**
 * A running exec'd process. Its streams must be drained by the caller; closing
 * the session closes the streams but does not kill the process.
 */
public interface ExecSession extends AutoCloseable {

  /** The process's stdin; closing it sends end-of-input. */
  OutputStream stdin();

  /** The process's stdout (with a tty: the terminal output). */
  InputStream stdout();

  /** The process's stderr; always empty with a tty. */
  InputStream stderr();

  /** Tells the process's terminal its new size; ignored without a tty. */
  void resize(ExecSpec.TerminalSize size);

  /** Sends a signal (e.g. 15) to the process. */
  void signal(int signal);

  /** Waits for the exit code (status, or 128+signal); empty on timeout. */
  OptionalInt waitFor(Duration timeout);

  @Override
  void close();
}
