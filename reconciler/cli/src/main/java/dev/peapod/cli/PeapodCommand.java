package dev.peapod.cli;

import dev.peapod.cli.controller.ControllerCommands;
import dev.peapod.cli.controller.SourcesCommand;
import dev.peapod.cli.image.ImageCommand;
import dev.peapod.cli.volume.VolumeCommand;
import dev.peapod.cli.pod.PodAttachCommand;
import dev.peapod.cli.pod.PodCreateCommand;
import dev.peapod.cli.pod.PodExecCommand;
import dev.peapod.cli.pod.PodInspectCommand;
import dev.peapod.cli.pod.PodLogsCommand;
import dev.peapod.cli.pod.PodRemoveCommand;
import dev.peapod.cli.pod.PodReplaceCommand;
import dev.peapod.cli.pod.PodRunCommand;
import dev.peapod.cli.pod.PodStartCommand;
import dev.peapod.cli.pod.PodStopCommand;
import dev.peapod.cli.output.Output;
import dev.peapod.cli.output.OutputFormat;
import dev.peapod.cli.plan.ApplyCommand;
import dev.peapod.cli.plan.PlanCommand;
import io.quarkus.picocli.runtime.annotations.TopCommand;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code peapod}: the root of the command tree. Holds the options every subcommand takes
 * ({@code -o}, {@code --no-color}, {@code --debug}; inherited, so they may stand anywhere on
 * the line) and the {@link CliEnvironment} the subcommands read the outside world from.
 */
@TopCommand
@Command(
    name = "peapod",
    description = "Pods of OCI containers in QEMU micro-VMs.",
    mixinStandardHelpOptions = true,
    versionProvider = PeapodVersion.Provider.class,
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:ok",
        "1:error (an invalid manifest: one line per diagnostic; a failed apply)",
        "2:plan --detailed-exitcode: changes present",
        "3:not found (no such image, pod, container or file)",
        "4:in use (an image a pod uses, a running pod, a locked pod)",
        "64:usage error (bad option, argument or image reference)"},
    footer = {
        "",
        "State lives in $PEAPOD_HOME: by default /var/lib/peapod for root,",
        "~/.local/share/peapod for other users."})
public final class PeapodCommand implements Runnable {

  /**
   * The subcommands, in the order help lists them. Added by {@link #configure} rather than
   * named in {@code @Command(subcommands = ...)}, so that a command line gets only the one it runs.
   */
  static final List<Class<?>> SUBCOMMANDS = List.of(VersionCommand.class, PodListCommand.class,
      PodCreateCommand.class, PodRunCommand.class, PodStartCommand.class, PodStopCommand.class,
      PodRemoveCommand.class, PodReplaceCommand.class, PodInspectCommand.class, PodLogsCommand.class,
      PodExecCommand.class, PodAttachCommand.class, PlanCommand.class, ApplyCommand.class, ImageCommand.class,
      VolumeCommand.class, SourcesCommand.class,
      ControllerCommands.Sync.class, ControllerCommands.Suspend.class, ControllerCommands.Resume.class);

  @Spec
  CommandSpec spec;

  @Option(names = {"-o", "--output"}, scope = ScopeType.INHERIT, paramLabel = "FORMAT",
      description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).", defaultValue = "table")
  OutputFormat format = OutputFormat.table;

  @Option(names = "--no-color", scope = ScopeType.INHERIT,
      description = "No colour, even on a terminal (NO_COLOR in the environment does the same).")
  boolean noColor;

  @Option(names = "--debug", scope = ScopeType.INHERIT, description = "Print stack traces with errors.")
  boolean debug;

  private final CliEnvironment environment;

  /** What Quarkus instantiates: the real process environment. */
  public PeapodCommand() {
    this(CliEnvironment.system());
  }

  /** For tests: every command of this tree reads this environment. */
  public PeapodCommand(CliEnvironment environment) {
    this.environment = environment;
  }

  /** A ready command line over this environment with every subcommand (for help and the tests). */
  public static CommandLine commandLine(CliEnvironment environment) {
    return configure(new CommandLine(new PeapodCommand(environment)), SUBCOMMANDS);
  }

  /** A ready command line over this environment for these arguments, as ./peapod gets it (see {@link #subcommandsFor}). */
  public static CommandLine commandLine(CliEnvironment environment, String... args) {
    return configure(new CommandLine(new PeapodCommand(environment)), subcommandsFor(args));
  }

  /**
   * The subcommand the arguments run, alone, when they name one; else all of them. picocli
   * builds the model of every subcommand it is given before it parses anything (an instance of
   * each, reflection over its options, its own subcommands), and for one command out of fourteen
   * that was about a third of the time {@code peapod ps} took. Without a subcommand ({@code --help},
   * {@code --version}, nothing) or with an unknown one the tree is whole, so usage lists every
   * command and a typo still gets picocli's "did you mean". Root options may come first
   * ({@code peapod -o json ps}); {@code -o}/{@code --output} is the only one taking a value.
   */
  static List<Class<?>> subcommandsFor(String... args) {
    String named = firstPositional(args);
    if (named == null) {
      return SUBCOMMANDS;
    }
    for (Class<?> subcommand : SUBCOMMANDS) {
      Command command = subcommand.getAnnotation(Command.class);
      if (command.name().equals(named) || Arrays.asList(command.aliases()).contains(named)) {
        return List.of(subcommand);
      }
    }
    return SUBCOMMANDS;
  }

  private static String firstPositional(String[] args) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("-o") || args[i].equals("--output")) {
        i++; // its value
      } else if (!args[i].startsWith("-")) {
        return args[i];
      }
    }
    return null;
  }

  /** Subcommands, error handling and case rules shared by the Quarkus and the plain-picocli entry points. */
  static CommandLine configure(CommandLine commandLine, List<Class<?>> subcommands) {
    subcommands.forEach(commandLine::addSubcommand);
    CommandLine replace = commandLine.getSubcommands().get("replace");
    if (replace != null) {
      PodReplaceCommand.claimShortO(replace.getCommandSpec());
    }
    // picocli answers a bad command line with 2, which `plan --detailed-exitcode`
    // needs for "changes present" (as terraform does); usage errors get sysexits' 64.
    commandLine.setExecutionExceptionHandler(new ErrorReporter())
        .setCaseInsensitiveEnumValuesAllowed(true);
    setUsageExitCode(commandLine);
    commandLine.getSubcommands().values().forEach(PeapodCommand::addHelpOption);
    return commandLine;
  }

  /**
   * {@code -h}/{@code --help} on every command below the root: it prints that command's usage and
   * exits 0 before anything is checked, so {@code peapod run --help} is not answered with
   * "Missing required option" nor {@code peapod image --help} with "Unknown option". Added here
   * rather than as each command's mixin so that no command can be left without it.
   */
  private static void addHelpOption(CommandLine command) {
    CommandSpec spec = command.getCommandSpec();
    if (spec.findOption("--help") == null && spec.findOption("-h") == null) {
      spec.addOption(picocli.CommandLine.Model.OptionSpec.builder("-h", "--help")
          .usageHelp(true).description("Show this help message and exit.").build());
    }
    command.getSubcommands().values().forEach(PeapodCommand::addHelpOption);
  }

  private static void setUsageExitCode(CommandLine commandLine) {
    commandLine.getCommandSpec().exitCodeOnInvalidInput(ExitCodes.USAGE);
    commandLine.getSubcommands().values().forEach(PeapodCommand::setUsageExitCode);
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  public CliEnvironment environment() {
    return environment;
  }

  public boolean debug() {
    return debug;
  }

  /** The output of the command being run (its own writers, so tests can capture them). */
  public Output output(CommandSpec current) {
    CommandLine line = current.commandLine();
    return new Output(line.getOut(), line.getErr(), format, environment.colorAllowed(noColor), environment.terminal());
  }

  /** The root command of the tree {@code current} belongs to. */
  public static PeapodCommand of(CommandSpec current) {
    return (PeapodCommand) current.root().userObject();
  }
}
