package dev.peapod.cli.pod;

import dev.peapod.engine.lock.PodLock;
import dev.peapod.cli.PeapodCommand;
import dev.peapod.cli.output.Output;
import dev.peapod.provider.PodStatus;
import dev.peapod.provider.qemu.QemuProvider;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code peapod start NAME}: boots a Created pod's VM and its containers; the pod ends Running. The
 * boot is handed to the controller of this Peapod home when one runs ({@link ControllerBoot}),
 * unless the pod uses Secrets, whose values only this command reads.
 */
@Command(name = "start", description = "Boot a created (or stopped) pod.")
public final class PodStartCommand implements Runnable {

  @Spec
  CommandSpec spec;

  @Parameters(paramLabel = "NAME", description = "The pod.")
  String name;

  @Override
  public void run() {
    PeapodCommand root = PeapodCommand.of(spec);
    Output output = root.output(spec);
    try (QemuProvider provider = PodCommands.provider(root);
        PodLock lock = PodCommands.lock(root, spec, name)) {
      PodStatus created = PodCommands.require(provider, name);
      PodCommands.Started started = PodCommands.boot(root, output, provider, name, lock,
          SourceSecrets.forPod(root.environment().home(), created.spec(), output));
      PodCommands.print(output, started, "Started " + name + " " + started.bootText());
    }
  }
}
