package dev.peapod.controller.loop;

import dev.peapod.engine.ReconcileMetrics;
import dev.peapod.plan.ActualState;
import dev.peapod.provider.PodState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The controller's Prometheus metrics ({@code /q/metrics}), named as Prometheus conventions want
 * them; the node agents of {@code k8s:} sources report into the same ones. The chart's Grafana
 * dashboard (charts/peapod/dashboards/peapod.json) queries them.
 */
public final class ControllerMetrics implements ReconcileMetrics {

  private final MeterRegistry registry;
  private final Map<PodState, AtomicLong> podsByState = new EnumMap<>(PodState.class);
  private final Map<String, AtomicLong> lastSync = new ConcurrentHashMap<>();

  public ControllerMetrics(MeterRegistry registry, Supplier<Number> queueDepth) {
    this.registry = registry;
    Gauge.builder("peapod.queue.depth", queueDepth).description("Pod names waiting in the work queue")
        .register(registry);
    for (PodState state : PodState.values()) {
      AtomicLong n = new AtomicLong();
      podsByState.put(state, n);
      Gauge.builder("peapod.pods", n, AtomicLong::get).tag("state", state.name().toLowerCase(java.util.Locale.ROOT))
          .description("Pods by lifecycle state, as the last drift check read them").register(registry);
    }
  }

  /** One pass over one pod: how long, and how it ended ({@code converged}, {@code retry}, ...). */
  @Override
  public void reconciled(Duration took, String result) {
    Timer.builder("peapod.reconcile.duration").tag("result", result).publishPercentileHistogram()
        .description("One reconcile pass over one pod").register(registry).record(took);
  }

  /** A change carried out ({@code create}, {@code replace}, ...) and whether it succeeded. */
  @Override
  public void action(String action, boolean succeeded) {
    Counter.builder("peapod.actions").tag("action", action).tag("result", succeeded ? "success" : "failure")
        .description("Changes the controller carried out").register(registry).increment();
  }

  /** A VM booted for a change, cold or from a template. */
  @Override
  public void boot(String kind, Duration took) {
    Timer.builder("peapod.boot.duration").tag("boot", kind).publishPercentileHistogram()
        .description("VM boot to containers running").register(registry).record(took);
  }

  public void synced(String source, Instant when, boolean ok) {
    lastSync.computeIfAbsent(source, s -> {
      AtomicLong t = new AtomicLong();
      Gauge.builder("peapod.source.last.sync", t, AtomicLong::get).tag("source", s).baseUnit("seconds")
          .description("When the source was last read (Unix time)").register(registry);
      return t;
    }).set(when.getEpochSecond());
    if (!ok) {
      Counter.builder("peapod.source.sync.failures").tag("source", source)
          .description("Reads of the source that failed or were invalid").register(registry).increment();
    }
  }

  /** An event the provider pushed ({@code vm_ended}, {@code changed}): what drift checks are made of. */
  public void providerEvent(String kind) {
    Counter.builder("peapod.provider.events").tag("kind", kind)
        .description("Events the provider pushed: VMs that ended, pods another client changed, readiness notices").register(registry)
        .increment();
  }

  /** A read of every pod's state: {@code event}, {@code interval} (nothing announced) or {@code sync} (a source read). */
  @Override
  public void actualRead(String why) {
    Counter.builder("peapod.actual.reads").tag("trigger", why)
        .description("Reads of every pod's state (no guest asked), by what asked for them").register(registry)
        .increment();
  }

  public void pods(ActualState actual) {
    Map<PodState, Long> counts = new EnumMap<>(PodState.class);
    actual.pods().values().forEach(p -> p.state().ifPresent(s -> counts.merge(s, 1L, Long::sum)));
    podsByState.forEach((state, n) -> n.set(counts.getOrDefault(state, 0L)));
  }
}
