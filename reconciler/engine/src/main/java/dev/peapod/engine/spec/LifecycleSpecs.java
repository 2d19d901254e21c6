package dev.peapod.engine.spec;

import dev.peapod.manifest.model.HandlerDecl;
import dev.peapod.manifest.model.LifecycleDecl;
import dev.peapod.manifest.model.ProbeDecl;
import dev.peapod.provider.ContainerLifecycle;
import dev.peapod.provider.Probe;
import dev.peapod.provider.ProbeAction;
import java.time.Duration;
import java.util.Optional;

/** A container's declared probes and hooks as the provider SPI's {@link ContainerLifecycle}. */
final class LifecycleSpecs {
  private LifecycleSpecs() {}

  static ContainerLifecycle of(LifecycleDecl decl) {
    if (decl.equals(LifecycleDecl.NONE)) {
      return ContainerLifecycle.NONE;
    }
    return new ContainerLifecycle(
        decl.liveness().map(LifecycleSpecs::probe),
        decl.readiness().map(LifecycleSpecs::probe),
        decl.startup().map(LifecycleSpecs::probe),
        decl.postStart().map(LifecycleSpecs::action),
        decl.preStop().map(LifecycleSpecs::action));
  }

  private static Probe probe(ProbeDecl p) {
    return new Probe(action(p.handler()),
        Duration.ofSeconds(p.initialDelaySeconds()),
        Duration.ofSeconds(p.periodSeconds()),
        Duration.ofSeconds(p.timeoutSeconds()),
        (int) Math.min(p.successThreshold(), Integer.MAX_VALUE),
        (int) Math.min(p.failureThreshold(), Integer.MAX_VALUE),
        p.terminationGracePeriodSeconds().isPresent()
            ? Optional.of(Duration.ofSeconds(p.terminationGracePeriodSeconds().getAsLong()))
            : Optional.empty());
  }

  private static ProbeAction action(HandlerDecl h) {
    if (h instanceof HandlerDecl.Exec e) {
      return new ProbeAction.Exec(e.command());
    } else if (h instanceof HandlerDecl.HttpGet g) {
      return new ProbeAction.HttpGet(g.host(), g.port(), g.path(),
          g.headers().stream().map(x -> new ProbeAction.Header(x.name(), x.value())).toList(),
          g.https());
    } else if (h instanceof HandlerDecl.Grpc g) {
      // Kubernetes' grpc probe has no host: it is the pod itself.
      return new ProbeAction.Grpc("127.0.0.1", g.port(), g.service());
    } else if (h instanceof HandlerDecl.TcpSocket t) {
      return new ProbeAction.TcpSocket(t.host(), t.port());
    }
    return new ProbeAction.Sleep(Duration.ofSeconds(((HandlerDecl.Sleep) h).seconds()));
  }
}
