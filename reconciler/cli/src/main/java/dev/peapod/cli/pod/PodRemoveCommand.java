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
 * {@code peapod rm NAME}: deletes a pod that does not run. A running pod is refused unless
 * {@code --force}, which stops it first (as {@code peapod stop} would).
 */
@Command(name = "rm", aliases = "remove", description = "Remove a pod (a running one only with --force).")
public final class PodRemoveCommand implements Runnable {

  @Spec
  CommandSpec spec;

  @Parameters(paramLabel = "NAME", description = "The pod.")
  String name;

  @Option(names = {"-f", "--force"}, description = "Stop the pod first if it runs.")
  boolean force;

  @Option(names = "--grace", paramLabel = "SECONDS",
      description = "With --force: seconds between SIGTERM and SIGKILL (default: the pod's terminationGracePeriodSeconds).")
  Long graceSeconds;

  @Override
  public void run() {
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
    if (output.structured()) {
      Map<String, Object> data = new LinkedHashMap<>();
      data.put("name", name);
      data.put("removed", true);
      output.data(data);
    } else {
      output.line("Removed " + name);
    }
  }
}
