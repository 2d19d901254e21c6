package dev.peapod.git.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Running the real tools the tests use (git, ssh-keygen, servers) and waiting for ports. */
public final class Commands {
  private Commands() {}

  /** Runs a command in {@code dir} and returns its stdout; fails the test with its output if it fails. */
  public static String run(Path dir, Map<String, String> env, List<String> command) {
    try {
      ProcessBuilder builder = new ProcessBuilder(command).directory(dir == null ? null : dir.toFile()).redirectErrorStream(true);
      // Tests must not depend on the machine's git configuration.
      builder.environment().put("GIT_CONFIG_GLOBAL", "/dev/null");
      builder.environment().put("GIT_CONFIG_NOSYSTEM", "1");
      builder.environment().putAll(env);
      Process p = builder.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public static String run(Path dir, String... command) {
    return run(dir, Map.of(), List.of(command));
  }

  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until something accepts connections on 127.0.0.1:port, or the process died. */
  public static void awaitPort(int port, Process process, Path log) throws IOException {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IOException("server exited (" + process.exitValue() + "): " + java.nio.file.Files.readString(log));
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        // keep polling
      }
      try {
        Thread.sleep(30);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
    }
    throw new IOException("nothing listens on 127.0.0.1:" + port + ": " + java.nio.file.Files.readString(log));
  }

  public static void stop(Process process) {
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
