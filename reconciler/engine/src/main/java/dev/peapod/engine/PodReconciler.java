package dev.peapod.engine;

import dev.peapod.apply.ApplyListener;
import dev.peapod.apply.ApplyResult;
import dev.peapod.apply.Outcome;
import dev.peapod.engine.source.DesiredSnapshot;
import dev.peapod.manifest.model.RestartPolicy;
import dev.peapod.plan.Change;
import dev.peapod.plan.Plan;
import dev.peapod.plan.PlanOptions;
import dev.peapod.plan.Reason;
import java.util.Optional;

/**
 * One pod at a time, the way a controller works through its queue: re-read the actual state,
 * plan only this pod against the source's last good snapshot, carry the change out, and say how
 * it ended ({@link ReconcileResult}). Level-triggered: it never trusts what an event said, only
 * what it reads now, so a missed or doubled event costs nothing.
 */
public final class PodReconciler {

  private final Engine engine;

  public PodReconciler(Engine engine) {
    this.engine = engine;
  }

  /**
   * Decides whether a planned change may go ahead now: the controller holds back the restart of a
   * VM that keeps dying (a crash loop), as the kubelet backs off a crashing container.
   */
  @FunctionalInterface
  public interface ChangeGate {
    /** How long to hold {@code change} back, or empty to let it run now. */
    Optional<java.time.Duration> holdOff(Change change);

    ChangeGate OPEN = change -> Optional.empty();
  }

  /**
   * @param options the source's owner and prune guards
   * @param gate may hold the change back
   * @param listener progress of the change, if one is made
   */
  public ReconcileResult reconcile(String pod, DesiredSnapshot snapshot, PlanOptions options, ChangeGate gate,
      ApplyListener listener) {
    Plan plan = engine.planOne(snapshot, pod, options);
    if (!plan.conflicts().isEmpty()) {
      return new ReconcileResult.Stalled(pod, ReconcileResult.StallReason.OwnedByAnotherSource,
          plan.conflicts().get(0).text());
    }
    if (plan.refusal().isPresent()) {
      return new ReconcileResult.Stalled(pod, ReconcileResult.StallReason.PruneRefused, plan.refusal().get());
    }
    if (!plan.hasChanges()) {
      return new ReconcileResult.Converged(pod, Optional.empty());
    }
    Change change = plan.changes().get(0);
    if (vmEndedAndNeverRestarted(change)) {
      return new ReconcileResult.Stalled(pod, ReconcileResult.StallReason.VmEndedAndRestartPolicyNever,
          "its VM ended and its restartPolicy is Never; start it by hand or change the manifest");
    }
    Optional<java.time.Duration> holdOff = gate.holdOff(change);
    if (holdOff.isPresent()) {
      return new ReconcileResult.Deferred(pod, change, holdOff.get());
    }
    ApplyResult result = engine.apply(plan, 1, listener);
    Outcome outcome = result.outcomes().get(0);
    return switch (outcome.status()) {
      case DONE -> new ReconcileResult.Converged(pod, Optional.of(change));
      case FAILED, NOT_STARTED -> new ReconcileResult.Retry(pod, change,
          outcome.cause().orElseGet(() -> new IllegalStateException(outcome.error())));
    };
  }

  private static boolean vmEndedAndNeverRestarted(Change change) {
    boolean vmEnded = change.reasons().stream().anyMatch(r -> r.kind() == Reason.Kind.StartBecauseVmEnded);
    return vmEnded && change.desired()
        .map(d -> d.manifest().spec().restartPolicy() == RestartPolicy.NEVER).orElse(false);
  }
}
