package dev.peapod.cli.pod;

import dev.peapod.engine.lock.PodLock;
import dev.peapod.cli.CliException;
import dev.peapod.cli.ExitCodes;
import dev.peapod.cli.PeapodCommand;
import dev.peapod.cli.output.Output;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.plan.Action;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.PodStatus;
import dev.peapod.provider.qemu.QemuProvider;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code peapod replace NAME -f FILE}: puts the containers the file declares for pod NAME into its
 * running VM, without a new boot (the boot id stays). Changes that need a new VM (CPUs, memory,
 * kernel, ports) are refused by the provider with the reason.
 */
@Command(name = "replace", description = "Swap a running pod's containers for a manifest's, in the same VM.")
public final class PodReplaceCommand implements Runnable {

  @Spec
  CommandSpec spec;

  @Parameters(paramLabel = "NAME", description = "The pod.")
  String name;

  @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE", description = "Manifest declaring pod NAME.")
  Path file;

  @Override
  public void run() {
    PeapodCommand root = PeapodCommand.of(spec);
    Output output = root.output(spec);
    PodManifest manifest = select(PodCommands.read(file, output), name, file);
    PodCommands.checkSupported(root, List.of(manifest));
    try (QemuProvider provider = PodCommands.provider(root);
        PodLock lock = PodCommands.lock(root, spec, name)) {
      PodCommands.require(provider, name);
      PodSpec podSpec = PodCommands.convert(root, output, manifest);
      PodStatus status;
      try (ManifestRecords.Change change = ManifestRecords.change(root, manifest, Action.REPLACE)) {
        status = provider.replace(name, podSpec);
        change.succeeded();
      }
      String bootId = status.vm().map(vm -> vm.bootId()).orElse("?");
      PodCommands.print(output, status, "Replaced containers of " + name + " (boot id " + bootId + ", same VM)");
    }
  }

  static PodManifest select(List<PodManifest> manifests, String name, Path file) {
    return manifests.stream().filter(m -> m.name().equals(name)).findFirst()
        .orElseThrow(() -> new CliException(ExitCodes.ERROR, file + ": declares no pod \"" + name + "\" (it declares "
            + String.join(", ", manifests.stream().map(PodManifest::name).toList()) + ")"));
  }
}
