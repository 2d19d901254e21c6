package dev.peapod.cli.pod;

import dev.peapod.cli.CliException;
import dev.peapod.cli.ExitCodes;
import dev.peapod.provider.ExecSpec;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The local terminal for {@code exec -t}, {@code attach} and {@code run -t}, driven through {@code stty} on {@code /dev/tty} (the JDK
 * has no termios): its settings saved and restored, raw mode, and its size now and after each
 * SIGWINCH.
 */
final class Terminal {
  private static final File TTY = new File("/dev/tty");

  private final String saved;
  private Thread restoreHook;
  private boolean restored;

  private Terminal(String saved) {
    this.saved = saved;
  }

  /** The controlling terminal, with its settings saved. */
  static Terminal open() {
    return open("exec -t");
  }

  /** The controlling terminal, with its settings saved; without one, a usage error saying {@code what} needs it. */
  static Terminal open(String what) {
    String saved;
    try {
      saved = stty("-g").trim();
    } catch (IOException e) {
      throw new CliException(ExitCodes.USAGE, what + " needs a terminal (the input device is not a TTY): "
          + e.getMessage());
    }
    return new Terminal(saved);
  }

  /** Rows and columns as {@code stty size} says; 24x80 when it cannot tell. */
  ExecSpec.TerminalSize size() {
    try {
      String[] parts = stty("size").trim().split("\\s+");
      int rows = Integer.parseInt(parts[0]);
      int cols = Integer.parseInt(parts[1]);
      return rows > 0 && cols > 0 ? new ExecSpec.TerminalSize(rows, cols) : ExecSpec.TerminalSize.DEFAULT;
    } catch (IOException | RuntimeException e) {
      return ExecSpec.TerminalSize.DEFAULT;
    }
  }

  /** Raw mode without echo; restored by {@link #restore} or, if the JVM is ended first, a shutdown hook. */
  synchronized void raw() throws IOException {
    restoreHook = new Thread(this::restore, "terminal-restore");
    Runtime.getRuntime().addShutdownHook(restoreHook);
    stty("raw", "-echo");
  }

  /** Calls {@code listener} with the new size on every window change, where the JVM lets us see SIGWINCH. */
  @SuppressWarnings("removal")
  void onResize(Consumer<ExecSpec.TerminalSize> listener) {
    try {
      sun.misc.Signal.handle(new sun.misc.Signal("WINCH"), signal -> listener.accept(size()));
    } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
      // no SIGWINCH here: the size stays what it was at the start
    }
  }

  synchronized void restore() {
    if (restored) {
      return;
    }
    restored = true;
    try {
      stty(saved);
    } catch (IOException e) {
      System.err.println("peapod: could not restore the terminal (run `stty sane`): " + e.getMessage());
    }
    if (restoreHook != null && Thread.currentThread() != restoreHook) {
      try {
        Runtime.getRuntime().removeShutdownHook(restoreHook);
      } catch (IllegalStateException ignored) {
        // shutting down already
      }
    }
  }

  private static String stty(String... args) throws IOException {
    List<String> argv = new ArrayList<>(List.of("stty"));
    argv.addAll(List.of(args));
    Process process = new ProcessBuilder(argv)
        .redirectInput(ProcessBuilder.Redirect.from(TTY))
        .redirectError(ProcessBuilder.Redirect.PIPE)
        .start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (process.waitFor() != 0) {
        throw new IOException("stty " + String.join(" ", args) + ": " + err.trim());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    return out;
  }
}
