package dev.peapod.plan;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What Peapod last applied to a pod: the canonical spec it was created or replaced with, who
 * manages it, and an unfinished change if apply stopped half way (the record is written before a
 * provider call starts and again after it ends, so a crash in between is visible).
 *
 * @param name the pod
 * @param managedBy the pod's owner ({@link Owners}): the source that created it or took it over
 *     (only that source prunes it), {@link #MANAGED_BY_CLI} for pods made with {@code peapod
 *     create/run}
 * @param source the manifest file it came from
 * @param appliedAt when the spec was last applied
 * @param spec the canonical tree ({@link NormalizedPod#canonicalTree}), or null if no apply of it
 *     ever finished
 * @param hash {@link NormalizedPod#hash()} of {@code spec}, or empty with it
 * @param pending the change under way, if one started and did not finish
 */
public record AppliedRecord(
    String name,
    String managedBy,
    String source,
    Instant appliedAt,
    Map<String, Object> spec,
    String hash,
    Optional<Pending> pending) {

  public static final String MANAGED_BY_APPLY = "apply";
  public static final String MANAGED_BY_CLI = "cli";

  public AppliedRecord {
    Objects.requireNonNull(name, "name");
    managedBy = managedBy == null ? MANAGED_BY_APPLY : managedBy;
    source = source == null ? "" : source;
    hash = hash == null ? "" : hash;
    pending = pending == null ? Optional.empty() : pending;
  }

  /**
   * A change that started and has not finished.
   *
   * @param action what was being done
   * @param since when it started
   */
  public record Pending(Action action, Instant since) {}

  public boolean ownedBy(String owner) {
    return managedBy.equals(owner);
  }

  /** The applied spec normalised, or empty if no apply of this pod finished. */
  public Optional<NormalizedPod> normalized() {
    return spec == null ? Optional.empty() : Optional.of(NormalizedPod.ofCanonicalTree(spec));
  }

  /** This record with another owner. */
  public AppliedRecord withOwner(String owner) {
    return new AppliedRecord(name, owner, source, appliedAt, spec, hash, pending);
  }

  /** This record with a change under way. */
  public AppliedRecord begin(Action action, Instant now) {
    return new AppliedRecord(name, managedBy, source, appliedAt, spec, hash, Optional.of(new Pending(action, now)));
  }
}
