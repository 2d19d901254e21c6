package dev.peapod.cli.pod;

import dev.peapod.cli.PeapodCommand;
import dev.peapod.cli.PodListCommand;
import dev.peapod.cli.output.Output;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.PodStatus;
import dev.peapod.provider.qemu.QemuProvider;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code peapod create -f FILE}: every pod the file declares, validated, its images pulled when
 * missing and its storage prepared; no VM yet (the pod ends Created). {@code peapod run} is this
 * plus {@code start}.
 */
@Command(name = "create", description = "Create a manifest's pods: pull images, prepare; no VM yet.")
public class PodCreateCommand implements Runnable {

  @Spec
  CommandSpec spec;

  @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE",
      description = "Manifest: a PeaPod, a Kubernetes Pod or a HyperContainer pod file (YAML or JSON).")
  Path file;

  /** Whether to boot each pod after creating it. */
  boolean startAfterCreate() {
    return false;
  }

  @Override
  public void run() {
    PeapodCommand root = PeapodCommand.of(spec);
    Output output = root.output(spec);
    List<PodManifest> manifests = PodCommands.read(file, output);
    PodCommands.checkSupported(manifests);
    List<PodStatus> results = new ArrayList<>();
    try (QemuProvider provider = PodCommands.provider(root)) {
      for (PodManifest manifest : manifests) {
        try (PodLock lock = PodCommands.lock(root, spec, manifest.name())) {
          PodSpec podSpec = PodCommands.convert(root, output, manifest);
          PodStatus status = provider.create(podSpec);
          if (!output.structured()) {
            output.line("Created " + status.name());
          }
          if (startAfterCreate()) {
            status = provider.start(status.name());
            if (!output.structured()) {
              output.line("Started " + status.name() + " " + PodCommands.bootText(status));
            }
          }
          results.add(status);
        }
      }
    }
    if (output.structured()) {
      output.data(results.size() == 1 ? PodListCommand.data(results.get(0))
          : results.stream().map(PodListCommand::data).toList());
    }
  }
}
