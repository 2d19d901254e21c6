package dev.peapod.engine;

import dev.peapod.plan.Change;
import java.util.Optional;

/**
 * How one pass over one pod ended, as a work queue needs to know it: forget the key, retry it
 * with backoff, or report it and wait for the source to change.
 */
public sealed interface ReconcileResult {

  String pod();

  /** The pod matches its source now; {@code applied} is the change that made it so, if one was needed. */
  record Converged(String pod, Optional<Change> applied) implements ReconcileResult {}

  /**
   * The change failed in a way a later attempt may not: the provider failed, an image could not
   * be pulled, the pod's lock was held. The pod is in a known state that the next pass re-reads.
   */
  record Retry(String pod, Change change, Throwable cause) implements ReconcileResult {}

  /** The change was held back for {@code after} (a crash loop's backoff); nothing was done. */
  record Deferred(String pod, Change change, java.time.Duration after) implements ReconcileResult {}

  /** Nothing will change until the desired state does; retrying would only repeat {@link #message}. */
  record Stalled(String pod, StallReason reason, String message) implements ReconcileResult {}

  /** Why a pod is {@link Stalled}; each reads as the rule. */
  enum StallReason {
    /** Another source owns the pod. */
    OwnedByAnotherSource,
    /** The plan would remove more pods than the prune guards allow. */
    PruneRefused,
    /** The VM ended and the pod's restartPolicy is Never. */
    VmEndedAndRestartPolicyNever
  }
}
