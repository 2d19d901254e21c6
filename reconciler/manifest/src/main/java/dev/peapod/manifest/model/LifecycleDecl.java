package dev.peapod.manifest.model;

import java.util.Optional;

/**
 * A container's probes and its {@code lifecycle} hooks, all optional.
 *
 * @param liveness {@code livenessProbe}
 * @param readiness {@code readinessProbe}
 * @param startup {@code startupProbe}
 * @param postStart {@code lifecycle.postStart}
 * @param preStop {@code lifecycle.preStop}
 */
public record LifecycleDecl(
    Optional<ProbeDecl> liveness,
    Optional<ProbeDecl> readiness,
    Optional<ProbeDecl> startup,
    Optional<HandlerDecl> postStart,
    Optional<HandlerDecl> preStop) {

  public static final LifecycleDecl NONE = new LifecycleDecl(
      Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());

  public LifecycleDecl {
    liveness = liveness == null ? Optional.empty() : liveness;
    readiness = readiness == null ? Optional.empty() : readiness;
    startup = startup == null ? Optional.empty() : startup;
    postStart = postStart == null ? Optional.empty() : postStart;
    preStop = preStop == null ? Optional.empty() : preStop;
  }
}
