package dev.peapod.cli.pod;

import dev.peapod.apply.AppliedRecordStore;
import dev.peapod.apply.SecretInputs;
import dev.peapod.cli.output.Output;
import dev.peapod.engine.source.DirectorySource;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.plan.AppliedRecord;
import dev.peapod.plan.DesiredPod;
import dev.peapod.plan.Owners;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.SecretValues;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The values of the Secrets a Created pod needs for {@code peapod start NAME}, read again from the
 * source it was created from, since Peapod keeps no Secret value on the host: the directory (or
 * files) of a {@code dir:} owner, or the file of a pod made by {@code create -f FILE}. A pod of
 * another source (git, Kubernetes), or whose source no longer declares it, gets none, and the
 * provider then refuses the start naming the variable. As the kubelet does, the values are the
 * source's now: a Secret edited since the pod was created starts it with the new value (and the
 * next plan shows the pod's recorded hash behind).
 */
final class SourceSecrets {
  private SourceSecrets() {}

  static SecretValues forPod(Path home, PodSpec spec, Output output) {
    if (!SecretValues.refersToSecrets(spec)) {
      return SecretValues.NONE;
    }
    Optional<AppliedRecord> record = AppliedRecordStore.in(home).read(spec.name());
    if (record.isEmpty()) {
      return SecretValues.NONE;
    }
    try {
      return manifest(record.get(), output).map(SecretInputs::of).orElse(SecretValues.NONE);
    } catch (RuntimeException e) {
      // The source is broken or gone: the start is refused with the variable it cannot give.
      output.err().println("warning: cannot read the Secrets of pod \"" + spec.name() + "\" from its source: "
          + e.getMessage());
      return SecretValues.NONE;
    }
  }

  private static Optional<PodManifest> manifest(AppliedRecord record, Output output) {
    String owner = record.managedBy();
    List<PodManifest> pods;
    if (owner.startsWith("dir:")) {
      List<Path> paths = Arrays.stream(owner.substring(4).split(",")).map(Path::of).toList();
      pods = DirectorySource.of(paths).read().pods().stream().map(DesiredPod::manifest).toList();
    } else if (owner.equals(Owners.CLI) && !record.source().isEmpty() && Files.isRegularFile(Path.of(record.source()))) {
      pods = PodCommands.read(Path.of(record.source()), output);
    } else {
      return Optional.empty();
    }
    return pods.stream().filter(p -> p.name().equals(record.name())).findFirst();
  }
}
