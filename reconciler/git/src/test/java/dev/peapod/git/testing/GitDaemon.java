package dev.peapod.git.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Debian's {@code git daemon} serving every repository under a directory on 127.0.0.1, on a free port. */
public final class GitDaemon implements AutoCloseable {
  private final Path root;
  private final Path log;
  private final int port;
  private Process process;

  public GitDaemon(Path root) throws IOException {
    this.root = root;
    this.log = root.resolveSibling(root.getFileName() + "-daemon.log");
    this.port = Commands.freePort();
    Files.createDirectories(root);
    start();
  }

  public void start() throws IOException {
    process = new ProcessBuilder(List.of("git", "daemon", "--reuseaddr", "--export-all", "--informative-errors",
        "--base-path=" + root, "--listen=127.0.0.1", "--port=" + port, root.toString()))
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
    Commands.awaitPort(port, process, log);
  }

  public void stop() {
    Commands.stop(process);
  }

  /** {@code git://127.0.0.1:PORT/NAME.git}. */
  public String url(String name) {
    return "git://127.0.0.1:" + port + "/" + name + ".git";
  }

  public Path root() {
    return root;
  }

  @Override
  public void close() {
    stop();
  }
}
