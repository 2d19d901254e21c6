package dev.peapod.plan;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Every pod that exists or that Peapod has a record of, read at one moment, and the revision that
 * names that moment: a saved plan is only applied while the revision is unchanged.
 *
 * @param pods by name
 * @param revision a digest of everything the planner looked at
 */
public record ActualState(Map<String, ActualPod> pods, String revision) {

  public ActualState {
    pods = java.util.Collections.unmodifiableMap(new TreeMap<>(pods));
    Objects.requireNonNull(revision, "revision");
  }

  public static ActualState of(Collection<ActualPod> pods, String revision) {
    Map<String, ActualPod> byName = new TreeMap<>();
    pods.forEach(p -> byName.put(p.name(), p));
    return new ActualState(byName, revision);
  }

  public static ActualState empty() {
    return of(List.of(), "empty");
  }

  /** How many existing pods {@code owner} has: the base of its prune safety. */
  public long ownedCount(String owner) {
    return pods.values().stream()
        .filter(p -> p.exists() && p.record().map(r -> r.ownedBy(owner)).orElse(false))
        .count();
  }
}
