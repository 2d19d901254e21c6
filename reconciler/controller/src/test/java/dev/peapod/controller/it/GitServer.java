package dev.peapod.controller.it;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A bare repository served by Debian's {@code git daemon} on 127.0.0.1, and a work tree the test
 * commits to and pushes from, as a user pushing to their GitOps repository would.
 */
final class GitServer implements AutoCloseable {

  private final Path root;
  private final Path work;
  private final int port;
  private final Process daemon;

  GitServer(Path dir) throws IOException, InterruptedException {
    root = Files.createDirectories(dir.resolve("served"));
    work = dir.resolve("work");
    git(dir, "init", "--bare", "-b", "main", root.resolve("pods.git").toString());
    git(dir, "init", "-b", "main", work.toString());
    git(work, "config", "user.email", "it@peapod.dev");
    git(work, "config", "user.name", "Peapod IT");
    git(work, "remote", "add", "origin", root.resolve("pods.git").toString());
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    daemon = new ProcessBuilder("git", "daemon", "--reuseaddr", "--export-all", "--base-path=" + root,
        "--listen=127.0.0.1", "--port=" + port, root.toString()).redirectErrorStream(true)
        .redirectOutput(dir.resolve("daemon.log").toFile()).start();
    Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
    while (true) {
      try (Socket s = new Socket("127.0.0.1", port)) {
        break;
      } catch (IOException notYet) {
        if (Instant.now().isAfter(deadline) || !daemon.isAlive()) {
          throw new IOException("git daemon did not listen on " + port);
        }
        Thread.sleep(50);
      }
    }
  }

  String url() {
    return "git://127.0.0.1:" + port + "/pods.git";
  }

  Path work() {
    return work;
  }

  /** Commits everything in the work tree and pushes it; returns the commit id. */
  String commitAndPush(String message) throws IOException, InterruptedException {
    git(work, "add", "-A");
    git(work, "commit", "-q", "--allow-empty", "-m", message);
    git(work, "push", "-q", "origin", "main");
    return git(work, "rev-parse", "HEAD").trim();
  }

  static String git(Path dir, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("git"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException("git " + String.join(" ", args) + ": " + out);
    }
    return out;
  }

  @Override
  public void close() {
    daemon.destroy();
  }
}
