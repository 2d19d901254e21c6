package dev.peapod.engine;

import dev.peapod.engine.PodReconciler.ChangeGate;
import dev.peapod.plan.Change;
import dev.peapod.plan.Reason;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Holds back the restart of a VM that keeps ending, as the kubelet backs off a crashing container
 * (CrashLoopBackOff): the first restart goes at once, each further one within {@link #RESET} of
 * the last waits twice as long as the one before ({@link #FIRST}, 20 s, 40 s, ... at most
 * {@link #MAX}). A VM that stays up for {@link #RESET} starts the count again.
 */
public final class CrashLoopBackoff implements ChangeGate {

  static final Duration FIRST = Duration.ofSeconds(10);
  static final Duration MAX = Duration.ofMinutes(5);
  static final Duration RESET = Duration.ofMinutes(10);

  private record Restarts(int count, Instant last) {}

  private final Clock clock;
  private final Map<String, Restarts> restarts = new ConcurrentHashMap<>();

  public CrashLoopBackoff(Clock clock) {
    this.clock = clock;
  }

  @Override
  public Optional<Duration> holdOff(Change change) {
    if (change.reasons().stream().noneMatch(r -> r.kind() == Reason.Kind.StartBecauseVmEnded)) {
      return Optional.empty();
    }
    Instant now = clock.instant();
    Restarts before = restarts.get(change.pod());
    if (before == null || Duration.between(before.last(), now).compareTo(RESET) >= 0) {
      restarts.put(change.pod(), new Restarts(1, now));
      return Optional.empty();
    }
    Duration wait = delayAfter(before.count());
    Instant allowed = before.last().plus(wait);
    if (now.isBefore(allowed)) {
      return Optional.of(Duration.between(now, allowed));
    }
    restarts.put(change.pod(), new Restarts(before.count() + 1, now));
    return Optional.empty();
  }

  /** How many restarts of {@code pod} count towards its backoff now. */
  public int restarts(String pod) {
    Restarts r = restarts.get(pod);
    return r == null ? 0 : r.count();
  }

  static Duration delayAfter(int restarts) {
    Duration delay = FIRST.multipliedBy(1L << Math.min(Math.max(restarts - 1, 0), 10));
    return delay.compareTo(MAX) > 0 ? MAX : delay;
  }
}
