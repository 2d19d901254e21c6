package dev.peapod.apply;

import dev.peapod.plan.Action;
import dev.peapod.plan.AppliedRecord;
import dev.peapod.plan.DesiredPod;
import dev.peapod.plan.NormalizedPod;
import java.time.Clock;
import java.util.Optional;

/**
 * The one way every change to a pod is recorded, whoever makes it ({@code apply}, the controller,
 * or a hand-run {@code create/run/replace/rm}): {@link #begin} before the provider call marks the
 * change as under way, {@link #done} after it stores the spec the pod now has, {@link #removed}
 * drops the record with the pod. A process killed between the two leaves the pending marker, from
 * which the next plan knows to redo the change.
 */
public final class PodRecords {

  private final AppliedRecordStore store;
  private final Clock clock;

  public PodRecords(AppliedRecordStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  public AppliedRecordStore store() {
    return store;
  }

  /** The pod's owner as recorded, if Peapod has a record of it. */
  public Optional<String> owner(String pod) {
    return store.read(pod).map(AppliedRecord::managedBy);
  }

  /**
   * Marks {@code action} as under way on {@code pod}. A pod without a record gets one owned by
   * {@code owner}; an existing record keeps its owner until {@link #done}.
   */
  public void begin(String pod, Action action, String owner, String source) {
    AppliedRecord base = store.read(pod)
        .orElseGet(() -> new AppliedRecord(pod, owner, source, null, null, null, Optional.empty()));
    store.write(base.begin(action, clock.instant()));
  }

  /** The pod now runs (or is prepared from) {@code desired}, owned by {@code owner}. */
  public void done(DesiredPod desired, String owner) {
    store.write(new AppliedRecord(desired.name(), owner, desired.source(), clock.instant(),
        NormalizedPod.canonicalTree(desired.manifest()), desired.normalized().hash(), Optional.empty()));
  }

  /** The pod is gone. */
  public void removed(String pod) {
    store.delete(pod);
  }
}
