package dev.peapod.apply;

import dev.peapod.plan.Change;
import java.time.Duration;
import java.util.Optional;

/**
 * What became of one change.
 *
 * @param change the planned change
 * @param status how it ended
 * @param took how long it ran (zero if it never started)
 * @param error why it failed, in words, empty otherwise
 * @param cause the exception it failed with, for callers that decide by its type (the
 *     controller retries a provider failure, not an invalid spec)
 */
public record Outcome(Change change, Status status, Duration took, String error, Optional<Throwable> cause) {

  public Outcome {
    cause = cause == null ? Optional.empty() : cause;
  }

  public Outcome(Change change, Status status, Duration took, String error) {
    this(change, status, took, error, Optional.empty());
  }

  public enum Status {
    /** Done: the pod is as the plan said. */
    DONE,
    /** Started and failed; the pod is in a known state that the next plan shows. */
    FAILED,
    /** Not started because the apply was interrupted. */
    NOT_STARTED
  }
}
