package dev.peapod.apply;

import dev.peapod.plan.Action;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** Every change's outcome, in plan order. */
public record ApplyResult(List<Outcome> outcomes) {

  public ApplyResult {
    outcomes = List.copyOf(outcomes);
  }

  public List<Outcome> failures() {
    return outcomes.stream().filter(o -> o.status() == Outcome.Status.FAILED).toList();
  }

  public List<Outcome> notStarted() {
    return outcomes.stream().filter(o -> o.status() == Outcome.Status.NOT_STARTED).toList();
  }

  public boolean succeeded() {
    return failures().isEmpty() && notStarted().isEmpty();
  }

  /**
   * {@code Apply complete: 1 created, 0 started, ...} or {@code Apply failed: 1 of 3 changes
   * failed, 1 not started; done: 1 created, ...}.
   */
  public String summary() {
    Map<Action, Integer> done = new EnumMap<>(Action.class);
    for (Action a : Action.values()) {
      done.put(a, 0);
    }
    outcomes.stream().filter(o -> o.status() == Outcome.Status.DONE)
        .forEach(o -> done.merge(o.change().action(), 1, Integer::sum));
    StringBuilder counts = new StringBuilder();
    for (Action a : Action.values()) {
      if (a == Action.REFRESH && done.get(a) == 0) {
        continue; // as in the plan's summary line: only when there is one
      }
      if (counts.length() > 0) {
        counts.append(", ");
      }
      counts.append(done.get(a)).append(' ').append(pastTense(a));
    }
    if (succeeded()) {
      return "Apply complete: " + counts + ".";
    }
    StringBuilder out = new StringBuilder("Apply failed: ");
    out.append(failures().size()).append(" of ").append(outcomes.size())
        .append(outcomes.size() == 1 ? " change" : " changes").append(" failed");
    if (!notStarted().isEmpty()) {
      out.append(", ").append(notStarted().size()).append(" not started");
    }
    return out.append("; done: ").append(counts).append('.').toString();
  }

  private static String pastTense(Action action) {
    return switch (action) {
      case CREATE -> "created";
      case START -> "started";
      case REPLACE -> "replaced";
      case UPDATE -> "updated";
      case REFRESH -> "refreshed";
      case RECREATE -> "recreated";
      case STOP -> "stopped";
      case REMOVE -> "removed";
    };
  }
}
