package dev.peapod.plan;

import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An ordered list of changes, one per pod that differs, and what it was computed against. A plan
 * is data: it is printed ({@link PlanRenderer}), written as JSON ({@link PlanJson}), saved and
 * applied later while {@link #stateRevision()} still matches the actual state.
 *
 * @param changes in pod-name order (apply schedules removals and stops first)
 * @param unchanged how many declared (and targeted) pods already match their manifests
 * @param stateRevision the {@link ActualState#revision()} planned against
 * @param createdAt when it was planned
 * @param refusal why this plan must not be applied as it is (prune safety), or empty
 * @param warnings things people should know that do not stop the plan
 * @param owner the source the plan is for ({@link Owners}); applying it makes that source the
 *     owner of every pod it changes
 * @param conflicts declared pods another source owns, left alone
 */
public record Plan(
    List<Change> changes,
    int unchanged,
    String stateRevision,
    Instant createdAt,
    Optional<String> refusal,
    List<String> warnings,
    String owner,
    List<Conflict> conflicts) {

  public Plan {
    changes = List.copyOf(changes);
    Objects.requireNonNull(stateRevision, "stateRevision");
    Objects.requireNonNull(createdAt, "createdAt");
    refusal = refusal == null ? Optional.empty() : refusal;
    warnings = List.copyOf(warnings);
    Owners.check(owner);
    conflicts = List.copyOf(conflicts);
  }

  /** A plan for the legacy owner {@code apply}, without conflicts. */
  public Plan(List<Change> changes, int unchanged, String stateRevision, Instant createdAt, Optional<String> refusal,
      List<String> warnings) {
    this(changes, unchanged, stateRevision, createdAt, refusal, warnings, Owners.LEGACY_APPLY, List.of());
  }

  public boolean hasChanges() {
    return !changes.isEmpty();
  }

  /** How many changes of each action, every action present (zero when none). */
  public Map<Action, Integer> counts() {
    Map<Action, Integer> counts = new EnumMap<>(Action.class);
    for (Action action : Action.values()) {
      counts.put(action, 0);
    }
    changes.forEach(c -> counts.merge(c.action(), 1, Integer::sum));
    return counts;
  }

  /** {@code Plan: 1 to create, 0 to start, 1 to replace, ...}, from one counting loop. */
  public String summary() {
    Map<Action, Integer> counts = counts();
    StringBuilder out = new StringBuilder("Plan: ");
    for (Action action : Action.values()) {
      if (action == Action.REFRESH && counts.get(action) == 0) {
        continue; // newer than the line people (and scripts) know: only when there is one
      }
      if (action != Action.CREATE) {
        out.append(", ");
      }
      out.append(counts.get(action)).append(" to ").append(action.verb());
    }
    return out.append('.').toString();
  }
}
