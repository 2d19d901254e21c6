package dev.peapod.apply;

import dev.peapod.plan.Change;
import java.time.Duration;

/**
 * What became of one change.
 *
 * @param change the planned change
 * @param status how it ended
 * @param took how long it ran (zero if it never started)
 * @param error why it failed, empty otherwise
 */
public record Outcome(Change change, Status status, Duration took, String error) {

  public enum Status {
    /** Done: the pod is as the plan said. */
    DONE,
    /** Started and failed; the pod is in a known state that the next plan shows. */
    FAILED,
    /** Not started because the apply was interrupted. */
    NOT_STARTED
  }
}
