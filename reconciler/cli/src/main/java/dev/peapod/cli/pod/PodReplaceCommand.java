package dev.peapod.cli.pod;

import dev.peapod.apply.SecretInputs;
import dev.peapod.cli.CliException;
import dev.peapod.cli.ExitCodes;
import dev.peapod.cli.PeapodCommand;
import dev.peapod.cli.output.Output;
import dev.peapod.engine.lock.PodLock;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.plan.Action;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.PodStatus;
import dev.peapod.provider.qemu.QemuProvider;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code peapod replace NAME -f FILE}: puts the containers the file declares for pod NAME into its
 * running VM, without a new boot (the boot id stays). Changes that need a new VM (CPUs, memory,
 * kernel, hostPath volumes) are refused by the provider with the reason.
 *
 * <p>{@code peapod replace -o OLD -n NEW} (HyperContainer's): the running VM of pod OLD is handed to
 * the Created pod NEW, whose containers replace OLD's in it; OLD ends Created, NEW Running, same boot
 * id. Both pods' locks are held; every refusal (a pod missing, locked or in the wrong state, NEW's VM
 * fields not fitting the VM) comes before anything changes.
 */
@Command(name = "replace", description = "Swap a running pod's containers for a manifest's, in the same VM;"
    + " or (-o OLD -n NEW) hand OLD's running VM to the created pod NEW.")
public final class PodReplaceCommand implements Runnable {

  @Spec
  CommandSpec spec;

  @Parameters(arity = "0..1", paramLabel = "NAME", description = "The pod (with -f).")
  String name;

  @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "Manifest declaring pod NAME.")
  Path file;

  @Option(names = "--old", paramLabel = "OLD", description = "The running pod whose VM is handed over (also -o).")
  String oldPod;

  @Option(names = {"-n", "--new"}, paramLabel = "NEW", description = "The created pod that takes it over.")
  String newPod;

  @Override
  public void run() {
    boolean handOver = oldPod != null || newPod != null;
    if (handOver && (oldPod == null || newPod == null || name != null || file != null)) {
      throw new CliException(ExitCodes.USAGE, "replace -o OLD -n NEW takes both pods and nothing else"
          + " (or: replace NAME -f FILE)");
    }
    if (!handOver && (name == null || file == null)) {
      throw new CliException(ExitCodes.USAGE, "replace needs NAME -f FILE, or -o OLD -n NEW");
    }
    PeapodCommand root = PeapodCommand.of(spec);
    Output output = root.output(spec);
    if (handOver) {
      handOver(root, output);
    } else {
      replace(root, output);
    }
  }

  private void replace(PeapodCommand root, Output output) {
    PodManifest manifest = select(PodCommands.read(file, output), name, file);
    PodCommands.checkSupported(root, List.of(manifest));
    try (QemuProvider provider = PodCommands.provider(root);
        PodLock lock = PodCommands.lock(root, spec, name)) {
      PodCommands.require(provider, name);
      PodSpec podSpec = PodCommands.convert(root, output, manifest);
      PodStatus status;
      try (ManifestRecords.Change change = ManifestRecords.change(root, manifest, Action.REPLACE)) {
        status = provider.replace(name, podSpec, SecretInputs.of(manifest));
        change.succeeded();
      }
      String bootId = status.vm().map(vm -> vm.bootId()).orElse("?");
      PodCommands.print(output, status, "Replaced containers of " + name + " (boot id " + bootId + ", same VM)");
    }
  }

  private void handOver(PeapodCommand root, Output output) {
    if (oldPod.equals(newPod)) {
      throw new CliException(ExitCodes.USAGE, "replace -o and -n name the same pod \"" + oldPod + "\"");
    }
    try (QemuProvider provider = PodCommands.provider(root);
        PodLock oldLock = PodCommands.lock(root, spec, oldPod);
        PodLock newLock = PodCommands.lock(root, spec, newPod)) {
      PodCommands.require(provider, oldPod);
      PodCommands.require(provider, newPod);
      PodStatus status;
      try (ManifestRecords.Pending stopping = ManifestRecords.pending(root, oldPod, Action.STOP);
          ManifestRecords.Pending starting = ManifestRecords.pending(root, newPod, Action.START)) {
        status = provider.handOver(oldPod, newPod);
      }
      String bootId = status.vm().map(vm -> vm.bootId()).orElse("?");
      PodCommands.print(output, status, "Replaced " + oldPod + " by " + newPod + " in its VM (boot id " + bootId
          + "); " + oldPod + " is Created");
    }
  }

  /**
   * Gives {@code -o} to {@code --old}, as HyperContainer's {@code replace -o OLD -n NEW} spells it: on
   * this command the output format is {@code --output} only. Called once the inherited options are in.
   */
  public static void claimShortO(CommandSpec replace) {
    OptionSpec output = replace.findOption("--output");
    OptionSpec old = replace.findOption("--old");
    if (output == null || old == null || !Arrays.asList(output.names()).contains("-o")) {
      return;
    }
    replace.remove(output);
    replace.addOption(OptionSpec.builder(output).names("--output").build());
    replace.remove(old);
    replace.addOption(OptionSpec.builder(old).names("-o", "--old").build());
  }

  static PodManifest select(List<PodManifest> manifests, String name, Path file) {
    return manifests.stream().filter(m -> m.name().equals(name)).findFirst()
        .orElseThrow(() -> new CliException(ExitCodes.ERROR, file + ": declares no pod \"" + name + "\" (it declares "
            + String.join(", ", manifests.stream().map(PodManifest::name).toList()) + ")"));
  }
}
