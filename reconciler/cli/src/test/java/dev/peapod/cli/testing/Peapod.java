package dev.peapod.cli.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real {@code ./peapod} launcher of this checkout, run as a user runs it: a new process (and
 * JVM) per command, against one PEAPOD_HOME. For the end-to-end tests under failsafe.
 */
public final class Peapod {
  public static final Path REPO = Path.of(System.getProperty("peapod.repo", "../..")).toAbsolutePath().normalize();
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path home;

  public Peapod(Path home) {
    this.home = home;
  }

  public Path home() {
    return home;
  }

  /** A finished command. */
  public record Result(int exitCode, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  public Result run(String... args) throws IOException, InterruptedException {
    return runWithInput("", args);
  }

  public Result runWithInput(String input, String... args) throws IOException, InterruptedException {
    return exec(input, command(args), Map.of());
  }

  /** {@code ps -o json}, which must succeed. */
  public JsonNode ps() throws Exception {
    Result ps = run("ps", "-o", "json");
    assertEquals(0, ps.exitCode(), ps::toString);
    return JSON.readTree(ps.out());
  }

  /** The container {@code name} of the first pod {@code ps -o json} lists. */
  public JsonNode container(String name) throws Exception {
    JsonNode pods = ps();
    for (JsonNode c : pods.get(0).get("containers")) {
      if (c.get("name").asText().equals(name)) {
        return c;
      }
    }
    throw new AssertionError("no container " + name + " in " + pods);
  }

  /**
   * Polls {@code ps -o json} until the container {@code name} of the first pod matches, for at most
   * {@code timeout} (TCG is slow on a busy machine: probes take their periods several times over).
   */
  public JsonNode awaitContainer(String name, java.time.Duration timeout, java.util.function.Predicate<JsonNode> condition)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    JsonNode c = container(name);
    while (!condition.test(c)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("container " + name + " never got there in " + timeout + ": " + c);
      }
      Thread.sleep(200);
      c = container(name);
    }
    return c;
  }

  /** {@code inspect NAME}, which must succeed. */
  public JsonNode inspect(String pod) throws Exception {
    Result inspect = run("inspect", pod);
    assertEquals(0, inspect.exitCode(), inspect::toString);
    return JSON.readTree(inspect.out());
  }

  /**
   * Starts {@code peapod ARGS} with {@code PEAPOD_TEST_PAUSE_AT=point} and returns it once it has
   * paused there (it said so on stderr); the caller kills it.
   */
  public Process pausedAt(String point, String... args) throws IOException {
    ProcessBuilder builder = builder(command(args));
    builder.environment().put("PEAPOD_TEST_PAUSE_AT", point);
    builder.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    Process process = builder.start();
    BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8));
    StringBuilder seen = new StringBuilder();
    for (String line = err.readLine(); line != null; line = err.readLine()) {
      seen.append(line).append('\n');
      if (line.equals("peapod: paused at " + point)) {
        return process;
      }
    }
    throw new AssertionError("peapod " + String.join(" ", args) + " ended (exit " + waitQuietly(process)
        + ") without pausing at " + point + ":\n" + seen);
  }

  /** A command started with {@link #start}, its output going to files that can be read while it runs. */
  public static final class Running {
    private final Process process;
    private final Path out;
    private final Path err;

    private Running(Process process, Path out, Path err) {
      this.process = process;
      this.out = out;
      this.err = err;
    }

    public long pid() {
      return process.pid();
    }

    /** What it printed on stdout so far. */
    public String stdoutSoFar() throws IOException {
      return Files.readString(out, StandardCharsets.UTF_8);
    }

    /** Waits until stdout contains {@code text} (at most 120 s); fails if the command ends first. */
    public void awaitOutput(String text) throws IOException, InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (!stdoutSoFar().contains(text)) {
        if (!process.isAlive() || System.nanoTime() > deadline) {
          throw new AssertionError("never printed \"" + text + "\":\n" + stdoutSoFar());
        }
        Thread.sleep(20);
      }
    }

    /** SIGKILL, as {@code kill -9}. */
    public void kill() throws InterruptedException {
      process.destroyForcibly().waitFor();
    }

    /** SIGTERM, which runs the same shutdown path as Ctrl-C's SIGINT. */
    public void terminate() {
      process.destroy();
    }

    /** Waits for it to end (at most 180 s) and collects its output. */
    public Result finish() throws IOException, InterruptedException {
      if (!process.waitFor(180, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("did not finish in 180 s: " + process.info().commandLine().orElse("?"));
      }
      return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    }
  }

  /** Starts {@code peapod ARGS} without waiting for it, stdin closed. */
  public Running start(String... args) throws IOException {
    ProcessBuilder builder = builder(command(args));
    Path out = Files.createTempFile(home, "stdout", ".txt");
    Path err = Files.createTempFile(home, "stderr", ".txt");
    builder.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(
        new java.io.File("/dev/null")));
    return new Running(builder.start(), out, err);
  }

  /**
   * A command started with this PEAPOD_HOME whose stdin stays open for {@link Interactive#send}, as a
   * person typing (peapod itself when {@code command} is empty; else any command, e.g. script(1)).
   */
  public Interactive interactive(List<String> command) throws IOException {
    ProcessBuilder builder = builder(command);
    Path out = Files.createTempFile(home, "stdout", ".txt");
    Path err = Files.createTempFile(home, "stderr", ".txt");
    builder.redirectOutput(out.toFile()).redirectError(err.toFile());
    return new Interactive(new Running(builder.start(), out, err));
  }

  /** The peapod command line for {@code args}, for {@link #interactive} or a shell command. */
  public List<String> peapodCommand(String... args) {
    return command(args);
  }

  /** A {@link Running} command whose stdin is ours to write. */
  public static final class Interactive {
    private final Running running;
    private final OutputStream stdin;

    private Interactive(Running running) {
      this.running = running;
      this.stdin = running.process.getOutputStream();
    }

    public void send(String text) throws IOException {
      stdin.write(text.getBytes(StandardCharsets.UTF_8));
      stdin.flush();
    }

    public void awaitOutput(String text) throws IOException, InterruptedException {
      running.awaitOutput(text);
    }

    public String stdoutSoFar() throws IOException {
      return running.stdoutSoFar();
    }

    public void terminate() {
      running.terminate();
    }

    /** Waits for it to end with stdin still open, then closes stdin. */
    public Result finish() throws IOException, InterruptedException {
      try {
        return running.finish();
      } finally {
        stdin.close();
      }
    }
  }

  /** Runs any command with this PEAPOD_HOME in its environment. */
  public Result exec(String input, List<String> command, Map<String, String> env)
      throws IOException, InterruptedException {
    ProcessBuilder builder = builder(command);
    builder.environment().putAll(env);
    Path out = Files.createTempFile(home, "stdout", ".txt");
    Path err = Files.createTempFile(home, "stderr", ".txt");
    builder.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process process = builder.start();
    try (OutputStream stdin = process.getOutputStream()) {
      stdin.write(input.getBytes(StandardCharsets.UTF_8));
    }
    if (!process.waitFor(180, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("did not finish in 180 s: " + command);
    }
    Result result = new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
    Files.delete(out);
    Files.delete(err);
    return result;
  }

  /** Pids of live processes whose command line mentions this pod's runtime directory: its QEMU. */
  public List<Long> qemuOf(String pod) {
    String dir = home.resolve("pods").resolve(pod).toString();
    // A QEMU run as Peapod's user names paths in the pod directory; one run as a VM user names its
    // own run directory, and the pod directory it was launched in only as an -add-fd label.
    String label = "opaque=" + dir;
    return ProcessHandle.allProcesses()
        .filter(p -> p.info().commandLine().map(cmd -> cmd.contains("qemu")
            && (cmd.contains(dir + "/") || (cmd + " ").contains(label + " ") || cmd.contains(label + ","))).orElse(false))
        .map(ProcessHandle::pid)
        .toList();
  }

  /** Kills every QEMU started under this PEAPOD_HOME (test clean-up, whatever state they are in). */
  public void killAllVms() {
    String pods = home.resolve("pods").toString();
    ProcessHandle.allProcesses()
        .filter(p -> p.info().commandLine().map(cmd -> cmd.contains("qemu") && cmd.contains(pods + "/")).orElse(false))
        .forEach(ProcessHandle::destroyForcibly);
  }

  private List<String> command(String... args) {
    List<String> command = new ArrayList<>();
    command.add(REPO.resolve("peapod").toString());
    command.addAll(List.of(args));
    return command;
  }

  private ProcessBuilder builder(List<String> command) {
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("PEAPOD_HOME", home.toString());
    builder.environment().put("HOME", home.resolve("user-home").toString());
    builder.environment().remove("PEAPOD_TEST_PAUSE_AT");
    return builder;
  }

  private static int waitQuietly(Process process) {
    try {
      return process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }
}
