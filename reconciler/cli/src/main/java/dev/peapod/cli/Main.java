package dev.peapod.cli;

import java.util.OptionalInt;

/**
 * What {@code ./peapod} runs: the picocli command line straight from {@code main}, without
 * starting Quarkus' runtime.
 *
 * <p>No command uses anything Quarkus starts: they inject nothing, read no Quarkus
 * configuration and see the outside world only through {@link CliEnvironment}. Starting it anyway
 * (SmallRye Config, the JBoss LogManager, the ArC container, its shutdown hooks) cost every
 * command ~150 ms of CPU, a third of {@code peapod ps} (the CLI section of bench/RESULTS.md).
 * Quarkus still builds the jar, whose own main ({@code java -jar peapod-runner.jar}) runs the
 * same command tree through {@link CommandLineProducer}; the in-process tests build their
 * command lines as this does.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    CliLogging.configure(System.getenv());
    CliEnvironment environment = CliEnvironment.system();
    // peapod run -f FILE with a controller: handed over before picocli's model is built (HandedRun).
    OptionalInt handed = HandedRun.tryRun(environment, args);
    if (handed.isPresent()) {
      System.exit(handed.getAsInt());
    }
    int exitCode = PeapodCommand.commandLine(environment, args).execute(args);
    // a run -f done here, with no controller: the next one may cost no JVM start (RunServer)
    RunServer.ensure(environment, args);
    System.exit(exitCode);
  }
}
