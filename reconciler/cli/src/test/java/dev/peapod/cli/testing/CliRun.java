package dev.peapod.cli.testing;

import dev.peapod.cli.CliEnvironment;
import dev.peapod.cli.PeapodCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine;

/**
 * Runs {@code peapod ARGS} in this JVM, the way the Quarkus entry point does (same command
 * tree, same error handling), against a given PEAPOD_HOME, with stdout and stderr captured.
 *
 * @param exitCode what the process would exit with
 * @param out everything printed on stdout
 * @param err everything printed on stderr
 */
public record CliRun(int exitCode, String out, String err) {
  /** "Now" for every in-process run: CREATED columns are relative to it. */
  public static final Instant NOW = Instant.parse("2024-03-01T00:00:00Z");

  /** Runs with colour off (not a terminal), PEAPOD_HOME = {@code home}, and no registry config beyond it. */
  public static CliRun run(Path home, String... args) {
    return run(home, Map.of(), false, args);
  }

  public static CliRun run(Path home, Map<String, String> extraEnv, boolean terminal, String... args) {
    Map<String, String> env = new HashMap<>(extraEnv);
    env.put("PEAPOD_HOME", home.toString());
    env.put("HOME", home.resolve("user-home").toString()); // no ~/.docker/config.json of the machine
    env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
    CliEnvironment environment = new CliEnvironment(env, new Properties(), false, terminal,
        Clock.fixed(NOW, ZoneOffset.UTC));
    CommandLine commandLine = PeapodCommand.commandLine(environment, args); // as ./peapod builds it
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    int exitCode = commandLine.execute(args);
    return new CliRun(exitCode, out.toString(), err.toString());
  }

  @Override
  public String toString() {
    return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
  }
}
