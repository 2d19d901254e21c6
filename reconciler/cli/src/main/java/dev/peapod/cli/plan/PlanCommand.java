package dev.peapod.cli.plan;

import dev.peapod.cli.CliException;
import dev.peapod.cli.ExitCodes;
import dev.peapod.cli.PeapodCommand;
import dev.peapod.cli.output.Output;
import dev.peapod.cli.pod.PodCommands;
import dev.peapod.engine.Engine;
import dev.peapod.engine.source.DesiredSnapshot;
import dev.peapod.plan.Plan;
import dev.peapod.plan.PlanFile;
import dev.peapod.plan.PlanJson;
import dev.peapod.plan.PlanRenderer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code peapod plan -f DIR}: what apply would do to make the pods match the manifests, and why,
 * without changing anything. Exit codes follow {@code terraform plan -detailed-exitcode}.
 */
@Command(name = "plan", sortOptions = false,
    description = "Show what apply would change to make the pods match the manifests; change nothing.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:no changes (or changes, without --detailed-exitcode)",
        "1:error, or a plan that apply would refuse (prune safety)",
        "2:changes present (with --detailed-exitcode)"})
public class PlanCommand implements Callable<Integer> {

  /** Exit status of a plan with changes under {@code --detailed-exitcode}. */
  public static final int CHANGES_PRESENT = 2;

  @Spec
  CommandSpec spec;

  @Mixin
  PlanningOptions options;

  @Option(names = {"-out", "--out"}, paramLabel = "FILE",
      description = "Save the plan (with the manifests it needs) for `peapod apply FILE`.")
  Path out;

  @Option(names = {"--json", "-json"}, description = "Print the plan as JSON (schema: peapod-plan.schema.json).")
  boolean json;

  @Option(names = {"--detailed-exitcode", "-detailed-exitcode"},
      description = "Exit 0 when nothing changes, 2 when something does, 1 on errors.")
  boolean detailedExitCode;

  @Override
  public Integer call() {
    PeapodCommand root = PeapodCommand.of(spec);
    Output output = root.output(spec);
    if (options.paths.isEmpty()) {
      throw new CliException(ExitCodes.USAGE, "plan needs the manifests: -f DIR or -f FILE");
    }
    DesiredSnapshot desired = Reconciliation.read(root, options.source(), output);
    Plan plan;
    try (Engine engine = Reconciliation.engine(root, PodCommands.commandText(spec))) {
      plan = engine.plan(desired, options.planOptions());
    }
    if (out != null) {
      try {
        PlanFile.write(plan, out);
      } catch (IOException e) {
        throw new CliException(ExitCodes.ERROR, "cannot save the plan to " + out + ": " + e.getMessage());
      }
    }
    if (json || output.structured()) {
      output.data(PlanJson.toJson(plan));
    } else {
      output.line(new PlanRenderer(output.color()).render(plan).stripTrailing());
      if (out != null && plan.hasChanges() && plan.refusal().isEmpty()) {
        output.line("");
        output.line("Saved the plan to " + out + ". To apply exactly these changes: peapod apply " + out);
      }
    }
    if (plan.refusal().isPresent() || !plan.conflicts().isEmpty()) {
      return ExitCodes.ERROR;
    }
    return detailedExitCode && plan.hasChanges() ? CHANGES_PRESENT : ExitCodes.OK;
  }
}
