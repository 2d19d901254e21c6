package dev.peapod.cli.pod;

import dev.peapod.apply.AppliedRecordStore;
import dev.peapod.cli.PeapodCommand;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.plan.AppliedRecord;
import dev.peapod.plan.NormalizedPod;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The hand-run pod commands keep the same applied records as {@code apply}
 * ({@code $PEAPOD_HOME/applied/NAME.json}), so that a later plan compares a manifest with what
 * {@code peapod run} or {@code replace} actually ran instead of recreating the pod for want of a
 * record. Pods made by hand are recorded as managed by the CLI, and apply never prunes those; a
 * pod apply manages stays managed by apply when it is replaced by hand.
 */
final class ManifestRecords {
  private ManifestRecords() {}

  /** The pod now runs (or is prepared from) {@code manifest}. */
  static void applied(PeapodCommand root, PodManifest manifest) {
    AppliedRecordStore store = store(root);
    String managedBy = store.read(manifest.name()).map(AppliedRecord::managedBy)
        .orElse(AppliedRecord.MANAGED_BY_CLI);
    store.write(new AppliedRecord(manifest.name(), managedBy,
        Path.of(manifest.origin().file()).toAbsolutePath().normalize().toString(),
        root.environment().clock().instant(), NormalizedPod.canonicalTree(manifest),
        NormalizedPod.of(manifest).hash(), Optional.empty()));
  }

  /** The pod is gone. */
  static void removed(PeapodCommand root, String pod) {
    store(root).delete(pod);
  }

  private static AppliedRecordStore store(PeapodCommand root) {
    return AppliedRecordStore.in(root.environment().home());
  }
}
