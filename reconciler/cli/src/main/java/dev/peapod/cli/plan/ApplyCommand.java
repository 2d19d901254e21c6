package dev.peapod.cli.plan;

import dev.peapod.apply.ApplyResult;
import dev.peapod.apply.Outcome;
import dev.peapod.apply.PlanExecutor;
import dev.peapod.apply.StalePlanException;
import dev.peapod.cli.CliException;
import dev.peapod.cli.ExitCodes;
import dev.peapod.cli.PeapodCommand;
import dev.peapod.cli.output.Output;
import dev.peapod.cli.pod.PodCommands;
import dev.peapod.engine.Engine;
import dev.peapod.engine.lock.PodLock;
import dev.peapod.plan.Plan;
import dev.peapod.plan.PlanFile;
import dev.peapod.plan.PlanRenderer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code peapod apply -f DIR} plans, shows the plan and, once confirmed, carries it out;
 * {@code peapod apply FILE} carries out a plan saved by {@code plan -out FILE} if the pods have
 * not changed since. The apply lock ({@code $PEAPOD_HOME/locks/apply.lock}) is held throughout,
 * so two applies never interleave; each pod's own lock is held while it changes, so hand-run pod
 * commands wait their turn.
 *
 * <p>Ctrl-C starts no new change and lets the ones under way finish, so every pod ends in a
 * state the next plan shows; the summary then lists what was not started.
 */
@Command(name = "apply", sortOptions = false,
    description = "Make the pods match the manifests (or carry out a saved plan).",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:applied, or nothing to do",
        "1:a change failed, the plan is stale or refused, or confirmation was refused",
        "4:another apply holds the apply lock"})
public class ApplyCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Parameters(arity = "0..1", paramLabel = "PLANFILE", description = "A plan saved by `peapod plan -out FILE`.")
  Path planFile;

  @Mixin
  PlanningOptions options;

  @Option(names = {"--auto-approve", "-auto-approve"}, description = "Apply without asking for confirmation.")
  boolean autoApprove;

  @Option(names = {"--parallelism", "-parallelism"}, paramLabel = "N",
      description = "How many pods change at once (default: the number of CPU cores).")
  int parallelism = Runtime.getRuntime().availableProcessors();

  @Override
  public Integer call() {
    PeapodCommand root = PeapodCommand.of(spec);
    Output output = root.output(spec);
    if (planFile != null && !options.paths.isEmpty()) {
      throw new CliException(ExitCodes.USAGE, "apply takes a saved plan or -f manifests, not both");
    }
    if (planFile == null && options.paths.isEmpty()) {
      throw new CliException(ExitCodes.USAGE, "apply needs the manifests (-f DIR or -f FILE) or a saved plan file");
    }
    if (parallelism < 1) {
      throw new CliException(ExitCodes.USAGE, "--parallelism must be at least 1");
    }
    String command = PodCommands.commandText(spec);
    Path home = root.environment().home();
    try (PodLock applyLock = PodLock.acquireFile(home.resolve("locks").resolve("apply.lock"), "the apply lock", command);
        Engine engine = Reconciliation.engine(root, command)) {
      Plan plan = planFile != null ? savedPlan(engine) : freshPlan(engine, output);
      if (plan.refusal().isPresent()) {
        return ExitCodes.ERROR;
      }
      // A pod another source owns is left alone; the rest of the plan still applies.
      int status = plan.conflicts().isEmpty() ? ExitCodes.OK : ExitCodes.ERROR;
      if (!plan.hasChanges()) {
        return status;
      }
      if (planFile == null && !autoApprove && !confirmed(root, output)) {
        output.line("Apply cancelled.");
        return ExitCodes.ERROR;
      }
      // The engine opens the image store only now: a plan with nothing to do never touches it.
      PlanExecutor executor = engine.executor(parallelism, new ApplyProgress(output));
      int applied = execute(executor, plan, output);
      return applied == ExitCodes.OK ? status : applied;
    }
  }

  private static int execute(PlanExecutor executor, Plan plan, Output output) {
    CountDownLatch reported = new CountDownLatch(1);
    Thread onInterrupt = interruptHook(executor, reported, output);
    try {
      ApplyResult result = executor.apply(plan);
      report(result, output);
      return result.succeeded() ? ExitCodes.OK : ExitCodes.ERROR;
    } finally {
      reported.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(onInterrupt);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs: it returns now that the summary is out
      }
    }
  }

  private Plan savedPlan(Engine engine) {
    Plan plan;
    try {
      plan = PlanFile.read(planFile);
    } catch (PlanFile.InvalidPlanFileException e) {
      throw new CliException(ExitCodes.ERROR, e.getMessage());
    } catch (IOException e) {
      throw new CliException(ExitCodes.NOT_FOUND, planFile + ": cannot read the plan file: " + e.getMessage());
    }
    try {
      PlanExecutor.checkFresh(plan, engine.actual().revision());
    } catch (StalePlanException e) {
      throw new CliException(ExitCodes.ERROR, e.getMessage());
    }
    if (plan.refusal().isPresent()) {
      throw new CliException(ExitCodes.ERROR, "the saved plan was refused when it was made: " + plan.refusal().get());
    }
    return plan;
  }

  private Plan freshPlan(Engine engine, Output output) {
    Plan plan = engine.plan(Reconciliation.read(PeapodCommand.of(spec), options.source(), output), options.planOptions());
    output.line(new PlanRenderer(output.color()).render(plan).stripTrailing());
    return plan;
  }

  /** Asks on the terminal; without one, refuses rather than guessing. */
  private static boolean confirmed(PeapodCommand root, Output output) {
    if (!root.environment().terminal()) {
      throw new CliException(ExitCodes.ERROR, "apply asks for confirmation but there is no terminal to ask on; "
          + "pass -auto-approve, or save a plan with `peapod plan -out FILE` and run `peapod apply FILE`");
    }
    output.line("");
    output.line("Do you want to apply these changes? Only 'yes' will be accepted.");
    output.out().print("  Enter a value: ");
    output.out().flush();
    try {
      String answer = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
      return "yes".equals(answer == null ? null : answer.trim());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the answer", e);
    }
  }

  private static void report(ApplyResult result, Output output) {
    output.line("");
    output.line(result.summary());
    for (Outcome failure : result.failures()) {
      output.err().println("Error: " + failure.change().pod() + ": " + failure.error());
    }
    if (!result.failures().isEmpty() || !result.notStarted().isEmpty()) {
      output.err().println("Every pod is in a known state; run apply again to finish and repair.");
    }
    output.err().flush();
  }

  /**
   * On SIGINT (Ctrl-C) or SIGTERM the JVM runs this hook while the apply goes on: it stops new
   * changes, then holds the exit until the changes under way have finished and the summary is
   * printed, so no pod is abandoned half way by a Ctrl-C.
   */
  private static Thread interruptHook(PlanExecutor executor, CountDownLatch reported, Output output) {
    Thread hook = new Thread(() -> {
      executor.interrupt();
      output.err().println();
      output.err().println("Interrupted: no new changes start; waiting for the ones under way to finish...");
      output.err().flush();
      try {
        reported.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "apply-interrupt");
    Runtime.getRuntime().addShutdownHook(hook);
    return hook;
  }
}
