package dev.peapod.controller.source;

import java.time.Instant;

/**
 * One status condition as Kubernetes and Flux write them: {@code lastTransitionTime} moves only
 * when the status, reason or message changes, so it says how long the condition has held.
 */
public record Condition(String type, String status, String reason, String message, Instant lastTransitionTime) {

  /** This condition as {@code status/reason/message} at {@code now}, keeping the transition time when nothing changed. */
  public Condition update(String newStatus, String newReason, String newMessage, Instant now) {
    if (status.equals(newStatus) && reason.equals(newReason) && message.equals(newMessage)) {
      return this;
    }
    return new Condition(type, newStatus, newReason, newMessage, now);
  }
}
