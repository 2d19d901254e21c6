package dev.peapod.plan;

import java.util.Set;

/**
 * How to plan.
 *
 * @param targets only these pods are planned (all when empty); like Terraform's {@code -target},
 *     for exceptional cases
 * @param allowMassRemoval whether the plan may remove every managed pod or more than {@code
 *     maxRemovals} of them
 * @param maxRemovals how many pods a plan may remove without {@code allowMassRemoval}
 * @param owner the source this plan is for ({@link Owners}); it prunes only pods it owns and
 *     leaves pods other sources own alone
 * @param takeOver whether declared pods that another source owns become this source's
 */
public record PlanOptions(Set<String> targets, boolean allowMassRemoval, int maxRemovals, String owner,
    boolean takeOver) {

  /** Removing more pods than this at once needs the explicit flag. */
  public static final int DEFAULT_MAX_REMOVALS = 5;

  public static final PlanOptions DEFAULT = new PlanOptions(Set.of(), false, DEFAULT_MAX_REMOVALS);

  /** Options for the legacy owner {@code apply} (records written before owners had sources). */
  public PlanOptions(Set<String> targets, boolean allowMassRemoval, int maxRemovals) {
    this(targets, allowMassRemoval, maxRemovals, Owners.LEGACY_APPLY, false);
  }

  public PlanOptions {
    targets = Set.copyOf(targets);
    Owners.check(owner);
    if (maxRemovals < 0) {
      throw new IllegalArgumentException("maxRemovals must not be negative");
    }
  }

  public boolean targeted(String pod) {
    return targets.isEmpty() || targets.contains(pod);
  }

  public PlanOptions withTargets(Set<String> newTargets) {
    return new PlanOptions(newTargets, allowMassRemoval, maxRemovals, owner, takeOver);
  }

  public PlanOptions withAllowMassRemoval(boolean allow) {
    return new PlanOptions(targets, allow, maxRemovals, owner, takeOver);
  }

  public PlanOptions withOwner(String newOwner, boolean newTakeOver) {
    return new PlanOptions(targets, allowMassRemoval, maxRemovals, newOwner, newTakeOver);
  }
}
