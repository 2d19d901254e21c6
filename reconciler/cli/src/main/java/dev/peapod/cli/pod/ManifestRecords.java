package dev.peapod.cli.pod;

import dev.peapod.apply.AppliedRecordStore;
import dev.peapod.apply.PodRecords;
import dev.peapod.cli.PeapodCommand;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.plan.Action;
import dev.peapod.plan.AppliedRecord;
import dev.peapod.plan.DesiredPod;
import dev.peapod.plan.Owners;
import java.util.Optional;

/**
 * The hand-run pod commands record what they do through the same {@link PodRecords} as apply
 * and the controller ({@code $PEAPOD_HOME/applied/NAME.json}, a pending marker before the
 * provider call, the spec after it), so a later plan compares a manifest with what {@code peapod
 * run} or {@code replace} actually ran, and a command killed half way is seen as such. A pod made
 * by hand is owned by {@code cli}; a pod a source owns stays that source's when it is changed by
 * hand (so the controller puts it back to the source's spec).
 */
final class ManifestRecords {
  private ManifestRecords() {}

  /** {@code action} on the manifest's pod is about to start. */
  static void begin(PeapodCommand root, PodManifest manifest, Action action) {
    PodRecords records = records(root);
    records.begin(manifest.name(), action, owner(records, manifest.name()), manifest.origin().file());
  }

  /** The pod now runs (or is prepared from) {@code manifest}. */
  static void applied(PeapodCommand root, PodManifest manifest) {
    PodRecords records = records(root);
    records.done(DesiredPod.of(manifest), owner(records, manifest.name()));
  }

  /**
   * A change that puts back the record it found if it does not succeed: for changes the provider
   * refuses without touching the pod ({@code replace} of something only a new VM can have).
   */
  static Change change(PeapodCommand root, PodManifest manifest, Action action) {
    PodRecords records = records(root);
    Optional<AppliedRecord> before = records.store().read(manifest.name());
    begin(root, manifest, action);
    return new Change(root, manifest, records, before);
  }

  /** See {@link #change}. */
  static final class Change implements AutoCloseable {
    private final PeapodCommand root;
    private final PodManifest manifest;
    private final PodRecords records;
    private final Optional<AppliedRecord> before;
    private boolean succeeded;

    private Change(PeapodCommand root, PodManifest manifest, PodRecords records, Optional<AppliedRecord> before) {
      this.root = root;
      this.manifest = manifest;
      this.records = records;
      this.before = before;
    }

    void succeeded() {
      applied(root, manifest);
      succeeded = true;
    }

    @Override
    public void close() {
      if (!succeeded) {
        before.ifPresentOrElse(records.store()::write, () -> records.removed(manifest.name()));
      }
    }
  }

  /**
   * {@code action} under way on {@code pod} for a change that leaves its spec as recorded (a VM handed
   * over, a pod stopped): the pending marker while it runs, the record as it was afterwards, whether it
   * succeeded or not. A process killed meanwhile leaves the marker, so the next plan redoes the change.
   */
  static Pending pending(PeapodCommand root, String pod, Action action) {
    PodRecords records = records(root);
    Optional<AppliedRecord> before = records.store().read(pod);
    records.begin(pod, action, owner(records, pod), before.map(AppliedRecord::source).orElse(""));
    return () -> before.ifPresentOrElse(records.store()::write, () -> records.removed(pod));
  }

  /** See {@link #pending}; closing puts the record back. */
  interface Pending extends AutoCloseable {
    @Override
    void close();
  }

  /** The pod is gone. */
  static void removed(PeapodCommand root, String pod) {
    records(root).removed(pod);
  }

  private static String owner(PodRecords records, String pod) {
    return records.owner(pod).orElse(Owners.CLI);
  }

  private static PodRecords records(PeapodCommand root) {
    return new PodRecords(AppliedRecordStore.in(root.environment().home()), root.environment().clock());
  }
}
