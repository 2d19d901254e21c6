package dev.peapod.cli.volume;

import dev.peapod.engine.spec.PersistentVolumes;
import dev.peapod.provider.VolumeSpec;
import dev.peapod.provider.qemu.runtime.PodDirectory;
import dev.peapod.provider.qemu.runtime.PodRecord;
import dev.peapod.provider.qemu.runtime.StateDirectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Which pods share a claim's directory, as the QEMU provider's records say ({@code
 * pods/NAME/pod.json}): Created pods count, since their next start mounts it. A record that cannot
 * be read stops the removal, as for images.
 */
final class ClaimUsers {
  private ClaimUsers() {}

  static List<String> of(Path home, PersistentVolumes.Claim claim) {
    Path dir = claim.directory().toAbsolutePath().normalize();
    StateDirectory state = new StateDirectory(home);
    List<String> pods = new ArrayList<>();
    try {
      for (PodDirectory pod : state.pods()) {
        Optional<PodRecord> record = pod.readPod();
        if (record.isPresent() && record.get().spec().volumes().stream()
            .map(VolumeSpec::hostPath).filter(h -> h != null)
            .anyMatch(h -> h.path().toAbsolutePath().normalize().equals(dir))) {
          pods.add(pod.name());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot tell which pods use claim " + claim.namespace() + "/"
          + claim.name() + ": " + e.getMessage(), e);
    }
    return pods;
  }
}
