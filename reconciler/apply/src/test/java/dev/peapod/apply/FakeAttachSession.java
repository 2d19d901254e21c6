package dev.peapod.apply;

import dev.peapod.provider.AttachSession;
import dev.peapod.provider.ExecSpec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@link FakeProvider}'s attachment: a main process that is {@code cat} echoes stdin to stdout and
 * exits 0 when a stdinOnce client ends its input; any other process ignores input and never ends.
 */
final class FakeAttachSession implements AttachSession {

  private final PipedInputStream stdout = new PipedInputStream(1 << 16);
  private final PipedOutputStream echo;
  private final CompletableFuture<Integer> exit = new CompletableFuture<>();
  private final OutputStream stdin;

  FakeAttachSession(boolean cat, boolean stdinOnce) {
    try {
      echo = new PipedOutputStream(stdout);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    stdin = new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        if (exit.isDone()) {
          throw new IOException("the process has exited");
        }
        if (cat) {
          echo.write(b, off, len);
          echo.flush();
        }
      }

      @Override
      public void close() throws IOException {
        if (cat && stdinOnce && !exit.isDone()) {
          echo.close();
          exit.complete(0);
        }
      }
    };
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
    return new ByteArrayInputStream(new byte[0]);
  }

  @Override
  public void resize(ExecSpec.TerminalSize size) {}

  @Override
  public OptionalInt waitFor(Duration timeout) {
    try {
      return OptionalInt.of(exit.get(timeout.toNanos(), TimeUnit.NANOSECONDS));
    } catch (TimeoutException e) {
      return OptionalInt.empty();
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return OptionalInt.empty();
    }
  }

  @Override
  public void close() {
    try {
      echo.close();
    } catch (IOException e) {
      // nothing to do
    }
  }
}
