package dev.peapod.provider;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A liveness, readiness or startup probe with Kubernetes' timing.
 *
 * @param action what one run does
 * @param initialDelay from the container's start to the first run
 * @param period between the starts of two runs
 * @param timeout a run that takes longer fails
 * @param successThreshold passes in a row that count as passing (1 for liveness and startup)
 * @param failureThreshold failures in a row that count as failing
 * @param terminationGracePeriod the grace a container ended by this probe gets, instead of the pod's
 */
public record Probe(
    ProbeAction action,
    Duration initialDelay,
    Duration period,
    Duration timeout,
    int successThreshold,
    int failureThreshold,
    Optional<Duration> terminationGracePeriod) {

  public Probe {
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(initialDelay, "initialDelay");
    Objects.requireNonNull(period, "period");
    Objects.requireNonNull(timeout, "timeout");
    terminationGracePeriod = terminationGracePeriod == null ? Optional.empty() : terminationGracePeriod;
  }

  /** Kubernetes' defaults: no delay, every 10 s, 1 s timeout, 1 success, 3 failures. */
  public static Probe of(ProbeAction action) {
    return new Probe(action, Duration.ZERO, Duration.ofSeconds(10), Duration.ofSeconds(1), 1, 3, Optional.empty());
  }
}
