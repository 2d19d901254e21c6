package dev.peapod.cli.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real {@code ./peapod} launcher of this checkout as a child process against one
 * PEAPOD_HOME, the way a user's shell does: end-to-end tests go through it.
 */
public final class PeapodProcess {

  /** The repository root (the launcher is {@code REPO/peapod}). */
  public static final Path REPO = Path.of(System.getProperty("peapod.repo", "../.."));

  private final Path home;

  public PeapodProcess(Path home) {
    this.home = home;
  }

  /**
   * What one run printed and how it exited.
   *
   * @param exitCode the process's exit status
   * @param out stdout
   * @param err stderr
   */
  public record Result(int exitCode, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  /** Runs {@code peapod ARGS} to completion (at most 180 s). */
  public Result run(String... args) throws IOException, InterruptedException {
    Process process = start(args);
    return finish(process, 180);
  }

  /** Starts {@code peapod ARGS} with stdout and stderr going to files that {@link #finish} reads. */
  public Process start(String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(REPO.resolve("peapod").toString());
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("PEAPOD_HOME", home.toString());
    builder.environment().put("HOME", home.resolve("user-home").toString());
    Path out = Files.createTempFile(home, "stdout", ".txt");
    Path err = Files.createTempFile(home, "stderr", ".txt");
    builder.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process process = builder.start();
    OUTPUTS.put(process, new Path[] {out, err});
    try (OutputStream stdin = process.getOutputStream()) {
      stdin.flush();
    }
    return process;
  }

  /** What the process printed so far on stdout. */
  public static String stdoutSoFar(Process process) throws IOException {
    return Files.readString(OUTPUTS.get(process)[0], StandardCharsets.UTF_8);
  }

  /** Waits for the process and collects its output. */
  public static Result finish(Process process, int timeoutSeconds) throws IOException, InterruptedException {
    if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("peapod did not finish in " + timeoutSeconds + " s: " + process.info().commandLine());
    }
    Path[] files = OUTPUTS.remove(process);
    return new Result(process.exitValue(), Files.readString(files[0], StandardCharsets.UTF_8),
        Files.readString(files[1], StandardCharsets.UTF_8));
  }

  /** Runs a helper program (a build script) and fails the test if it fails. */
  public static void exec(String... argv) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new AssertionError(String.join(" ", argv) + " failed:\n" + out);
    }
  }

  private static final java.util.Map<Process, Path[]> OUTPUTS = new java.util.concurrent.ConcurrentHashMap<>();
}
