package dev.peapod.provider;

/** Where a pod is in its lifecycle, as the provider observes it. */
public enum PodState {
  /** Storage is prepared and no VM runs. */
  CREATED,
  /** A VM runs the pod. */
  RUNNING,
  /**
   * The pod was Running but its VM ended without a stop (killed, crashed, or
   * powered off from inside). Storage is kept; {@code start} boots it again and
   * {@code stop} records it as Created.
   */
  VM_GONE
}
