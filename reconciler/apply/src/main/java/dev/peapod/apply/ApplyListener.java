package dev.peapod.apply;

import dev.peapod.plan.Change;

/** Progress of an apply, called from worker threads (implementations must be thread-safe). */
public interface ApplyListener {

  /** Work on the change begins. */
  default void started(Change change) {}

  /** A slow step of the change begins ({@code booting}, {@code pulling web:1}). */
  default void step(Change change, String what) {}

  /** The change ended (done, failed or skipped). */
  default void finished(Outcome outcome) {}

  ApplyListener NONE = new ApplyListener() {};
}
