package dev.peapod.plan;

import dev.peapod.provider.PodState;
import java.util.Objects;
import java.util.Optional;

/**
 * One pod as it is: what the provider reports and what Peapod recorded when it applied it. Either
 * side may be missing: a provider pod without a record was made outside Peapod's records; a
 * record without a provider pod was removed behind Peapod's back.
 *
 * @param name the pod
 * @param state the provider's view, empty when the provider has no such pod
 * @param message why the pod is in that state (e.g. how its VM ended), or empty
 * @param record what Peapod last applied, if anything
 * @param recreateReason why the provider needs its running VM replaced by a new one whatever the
 *     manifest says (see {@link dev.peapod.provider.PodSummary#recreateReason()}), or empty
 */
public record ActualPod(String name, Optional<PodState> state, String message, Optional<AppliedRecord> record,
    Optional<String> recreateReason) {

  public ActualPod {
    Objects.requireNonNull(name, "name");
    state = state == null ? Optional.empty() : state;
    message = message == null ? "" : message;
    record = record == null ? Optional.empty() : record;
    recreateReason = recreateReason == null ? Optional.empty() : recreateReason;
  }

  /** A pod whose VM, if any, the provider has no reason of its own to replace. */
  public ActualPod(String name, Optional<PodState> state, String message, Optional<AppliedRecord> record) {
    this(name, state, message, record, Optional.empty());
  }

  public boolean exists() {
    return state.isPresent();
  }

  public boolean running() {
    return state.filter(s -> s == PodState.RUNNING).isPresent();
  }
}
