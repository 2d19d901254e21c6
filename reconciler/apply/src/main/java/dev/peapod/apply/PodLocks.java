package dev.peapod.apply;

/**
 * The per-pod lock that the hand-run pod commands take too, so that {@code peapod stop web}
 * typed during an apply waits its turn instead of racing it.
 */
@FunctionalInterface
public interface PodLocks {

  /**
   * Takes the pod's lock without waiting.
   *
   * @throws RuntimeException naming the holder when someone else has it
   */
  AutoCloseable lock(String pod);

  /** No locking, for callers that already serialise everything. */
  PodLocks NONE = pod -> () -> { };
}
