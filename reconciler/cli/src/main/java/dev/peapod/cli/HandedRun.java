package dev.peapod.cli;

import dev.peapod.cli.output.Output;
import dev.peapod.cli.output.OutputFormat;
import dev.peapod.cli.pod.ControllerRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.OptionalInt;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code peapod run -f FILE [-o FORMAT]} handed to the controller before picocli builds its
 * model of the command: for a command the controller does whole ({@link ControllerRun}), picocli's
 * reflection over {@code run}'s options and the annotation proxies it makes were most of what the
 * process did (~0.25 s of CPU of ~0.45 s, with a JVM that starts in ~0.1 s). Only these exact
 * command lines, with a controller's socket in the home: anything else (other options, help, a
 * run the controller gives back, no controller) goes through picocli as ever, and so does every
 * usage error. What it prints and exits with is what the command would: the same {@link Output},
 * writers made by picocli as for any command, errors reported by {@link ErrorReporter}.
 */
final class HandedRun {
  private HandedRun() {}

  /** The exit code once the controller ran the command line; empty when the command runs as usual. */
  static OptionalInt tryRun(CliEnvironment environment, String[] args) {
    if (args.length < 3 || !args[0].equals("run")) {
      return OptionalInt.empty();
    }
    String file = null;
    OutputFormat format = OutputFormat.table;
    boolean formatGiven = false;
    for (int i = 1; i < args.length; i++) {
      String option = args[i];
      if (i + 1 >= args.length || args[i + 1].startsWith("-")) {
        return OptionalInt.empty();
      }
      String value = args[++i];
      if ((option.equals("-f") || option.equals("--file")) && file == null) {
        file = value;
      } else if ((option.equals("-o") || option.equals("--output")) && !formatGiven) {
        try {
          format = OutputFormat.valueOf(value.toLowerCase(Locale.ROOT)); // picocli takes any case too
        } catch (IllegalArgumentException e) {
          return OptionalInt.empty(); // picocli's usage error
        }
        formatGiven = true;
      } else {
        return OptionalInt.empty();
      }
    }
    if (file == null || !Files.exists(environment.home().resolve("peapod.sock"))) {
      return OptionalInt.empty();
    }
    // A command line with no model: picocli's writers for stdout and stderr, as every command gets them.
    CommandLine line = new CommandLine(CommandSpec.create());
    Output output = new Output(line.getOut(), line.getErr(), format, environment.colorAllowed(false),
        environment.terminal());
    try {
      if (!ControllerRun.run(environment, "peapod " + String.join(" ", args), output, Path.of(file))) {
        return OptionalInt.empty();
      }
      line.getOut().flush();
      return OptionalInt.of(ExitCodes.OK);
    } catch (RuntimeException e) {
      line.getOut().flush();
      return OptionalInt.of(ErrorReporter.report(e, line.getErr(), false));
    }
  }
}
