package dev.peapod.manifest.model;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * A {@code livenessProbe}, {@code readinessProbe} or {@code startupProbe} with Kubernetes'
 * defaults resolved.
 *
 * @param handler what one run does
 * @param initialDelaySeconds 0 by default
 * @param periodSeconds 10 by default
 * @param timeoutSeconds 1 by default
 * @param successThreshold 1 by default (and always 1 for liveness and startup)
 * @param failureThreshold 3 by default
 * @param terminationGracePeriodSeconds the probe-level grace period for a container this probe
 *     ends, instead of the pod's; liveness and startup only
 */
public record ProbeDecl(
    HandlerDecl handler,
    long initialDelaySeconds,
    long periodSeconds,
    long timeoutSeconds,
    long successThreshold,
    long failureThreshold,
    OptionalLong terminationGracePeriodSeconds) {

  public ProbeDecl {
    Objects.requireNonNull(handler, "handler");
    terminationGracePeriodSeconds =
        terminationGracePeriodSeconds == null ? OptionalLong.empty() : terminationGracePeriodSeconds;
  }
}
