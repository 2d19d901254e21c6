package dev.peapod.cli.plan;

import dev.peapod.engine.source.DirectorySource;
import dev.peapod.plan.PlanOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import picocli.CommandLine.Option;

/** The options {@code plan} and {@code apply} share: where the manifests are and what may be planned. */
final class PlanningOptions {

  @Option(names = {"-f", "--file"}, paramLabel = "PATH",
      description = "A manifest file or a directory of them (read recursively; names starting with '.' are skipped). Repeatable.")
  List<Path> paths = new ArrayList<>();

  @Option(names = {"--target", "-target"}, paramLabel = "POD",
      description = "Plan only this pod. Repeatable. For exceptional cases: the rest may stay out of step.")
  List<String> targets = new ArrayList<>();

  @Option(names = {"--allow-mass-removal", "-allow-mass-removal"},
      description = "Allow a plan that removes every pod these manifests own, or more than --max-removals.")
  boolean allowMassRemoval;

  @Option(names = {"--max-removals", "-max-removals"}, paramLabel = "N",
      description = "How many pods a plan may remove without --allow-mass-removal (default: ${DEFAULT-VALUE}).",
      defaultValue = "" + PlanOptions.DEFAULT_MAX_REMOVALS)
  int maxRemovals = PlanOptions.DEFAULT_MAX_REMOVALS;

  @Option(names = {"--take-over", "-take-over"},
      description = "Make these manifests the owner of declared pods that another source (a directory, a git "
          + "repository, the controller) owns, instead of leaving them alone.")
  boolean takeOver;

  /** The source of the -f paths: its owner is dir: and the paths. */
  DirectorySource source() {
    return DirectorySource.of(paths);
  }

  PlanOptions planOptions() {
    return new PlanOptions(new LinkedHashSet<>(targets), allowMassRemoval, maxRemovals, source().owner(), takeOver);
  }
}
