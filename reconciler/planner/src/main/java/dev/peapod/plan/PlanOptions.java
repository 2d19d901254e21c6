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
 */
public record PlanOptions(Set<String> targets, boolean allowMassRemoval, int maxRemovals) {

  /** Removing more pods than this at once needs the explicit flag. */
  public static final int DEFAULT_MAX_REMOVALS = 5;

  public static final PlanOptions DEFAULT = new PlanOptions(Set.of(), false, DEFAULT_MAX_REMOVALS);

  public PlanOptions {
    targets = Set.copyOf(targets);
    if (maxRemovals < 0) {
      throw new IllegalArgumentException("maxRemovals must not be negative");
    }
  }

  public boolean targeted(String pod) {
    return targets.isEmpty() || targets.contains(pod);
  }

  public PlanOptions withTargets(Set<String> newTargets) {
    return new PlanOptions(newTargets, allowMassRemoval, maxRemovals);
  }

  public PlanOptions withAllowMassRemoval(boolean allow) {
    return new PlanOptions(targets, allow, maxRemovals);
  }
}
