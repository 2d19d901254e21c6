package dev.peapod.manifest.decode;

import dev.peapod.manifest.model.VolumeSource;
import java.util.Optional;

/** A pod volume's {@code persistentVolumeClaim}: the claim it names and whether it is read-only. */
final class ClaimVolumeDecoder {
  private ClaimVolumeDecoder() {}

  static VolumeSource decode(MapReader r) {
    String claimName = r.requiredString("claimName");
    if (!claimName.isEmpty()) {
      NameRules.dns1123Subdomain(claimName).ifPresent(m ->
          r.problems().error(r.peek("claimName").orElseThrow(), r.path("claimName"), m));
    }
    boolean readOnly = r.bool("readOnly").orElse(false);
    r.finish();
    return new VolumeSource.PersistentVolumeClaim(claimName, readOnly, Optional.empty());
  }
}
