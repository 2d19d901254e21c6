package dev.peapod.plan;

import dev.peapod.manifest.model.DesiredState;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What apply will do to one pod and why.
 *
 * @param pod the pod's name
 * @param action what is done
 * @param reasons why, at least one, most important first
 * @param diff the fields that differ between the applied and the desired spec (empty for create,
 *     start, stop and remove)
 * @param desired the manifest's pod; empty for {@link Action#REMOVE}
 * @param targetState the lifecycle state the pod ends in; empty for {@link Action#REMOVE}
 */
public record Change(
    String pod,
    Action action,
    List<Reason> reasons,
    List<FieldChange> diff,
    Optional<DesiredPod> desired,
    Optional<DesiredState> targetState) {

  public Change {
    Objects.requireNonNull(pod, "pod");
    Objects.requireNonNull(action, "action");
    reasons = List.copyOf(reasons);
    diff = List.copyOf(diff);
    if (reasons.isEmpty()) {
      throw new IllegalArgumentException("a change needs a reason: " + pod + " " + action);
    }
  }

  /** The manifest file the desired pod comes from, or empty for a removal. */
  public String source() {
    return desired.map(DesiredPod::source).orElse("");
  }
}
