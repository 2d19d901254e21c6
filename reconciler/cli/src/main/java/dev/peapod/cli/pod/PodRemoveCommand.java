package dev.peapod.cli.pod;

import dev.peapod.engine.lock.PodLock;
import dev.peapod.cli.CliException;
import dev.peapod.cli.ExitCodes;
import dev.peapod.cli.PeapodCommand;
import dev.peapod.cli.output.Output;
import dev.peapod.provider.PodState;
import dev.peapod.provider.PodStatus;
import dev.peapod.provider.qemu.QemuProvider;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code peapod rm NAME...}: deletes pods that do not run. A running pod is refused unless
 * {@code --force}, which stops it first (as {@code peapod stop} would). With several names each is
 * removed in turn and reported, as {@code docker rm a b} does: one that fails is reported on stderr
 * and the others are still removed; the exit code is then the first failure's.
 */
@Command(name = "rm", aliases = "remove", description = "Remove pods (a running one only with --force).")
public final class PodRemoveCommand implements Runnable, picocli.CommandLine.IExitCodeGenerator {

  @Spec
  CommandSpec spec;

  @Parameters(paramLabel = "NAME", arity = "1..*", description = "The pods.")
  java.util.List<String> names;

  private int exitCode;

  @Option(names = {"-f", "--force"}, description = "Stop the pod first if it runs.")
  boolean force;

  @Option(names = "--grace", paramLabel = "SECONDS",
      description = "With --force: seconds between SIGTERM and SIGKILL (default: the pod's terminationGracePeriodSeconds).")
  Long graceSeconds;

  @Override
  public int getExitCode() {
    return exitCode;
  }

  @Override
  public void run() {
    exitCode = PodCommands.eachPod(spec, names, this::remove);
  }

  /** Removes the pod, says so for people and gives what {@code -o json|yaml} prints of it. */
  private Map<String, Object> remove(String name) {
    PeapodCommand root = PeapodCommand.of(spec);
    Output output = root.output(spec);
    try (QemuProvider provider = PodCommands.provider(root);
        PodLock lock = PodCommands.lock(root, spec, name)) {
      PodStatus pod = PodCommands.require(provider, name);
      if (pod.state() == PodState.RUNNING && !force) {
        throw new CliException(ExitCodes.IN_USE,
            "pod \"" + name + "\" is running: stop it first, or use rm --force");
      }
      // Provider.remove stops a running pod itself, with this grace period.
      provider.remove(name, PodStopCommand.grace(graceSeconds, pod));
      ManifestRecords.removed(root, name);
    }
    PodCommands.say(output, "Removed " + name);
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("name", name);
    data.put("removed", true);
    return data;
  }
}
