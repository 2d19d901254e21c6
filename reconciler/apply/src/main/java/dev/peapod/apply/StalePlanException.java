package dev.peapod.apply;

/** A saved plan made against an actual state that has changed since. */
public final class StalePlanException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StalePlanException(String planned, String now) {
    super("Saved plan is stale: the pods changed since it was made (state revision " + planned
        + ", now " + now + "). Nothing was applied. Run plan again, review it, and apply the new plan.");
  }
}
