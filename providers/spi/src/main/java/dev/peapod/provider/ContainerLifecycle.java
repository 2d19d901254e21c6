package dev.peapod.provider;

import java.util.Optional;

/**
 * A container's probes and lifecycle hooks, all optional. The provider's guest
 * runs them with Kubernetes' semantics: postStart right after the start (its
 * failure ends the container), the startup probe gating the other two, a failing
 * liveness or startup probe ending the container for its restart policy,
 * readiness deciding {@link ContainerStatus#ready()}, preStop before SIGTERM
 * within the grace period.
 */
public record ContainerLifecycle(
    Optional<Probe> liveness,
    Optional<Probe> readiness,
    Optional<Probe> startup,
    Optional<ProbeAction> postStart,
    Optional<ProbeAction> preStop) {

  /** No probes, no hooks. */
  public static final ContainerLifecycle NONE =
      new ContainerLifecycle(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());

  public ContainerLifecycle {
    liveness = liveness == null ? Optional.empty() : liveness;
    readiness = readiness == null ? Optional.empty() : readiness;
    startup = startup == null ? Optional.empty() : startup;
    postStart = postStart == null ? Optional.empty() : postStart;
    preStop = preStop == null ? Optional.empty() : preStop;
  }
}
