package dev.peapod.controller.loop;

import dev.peapod.apply.ApplyListener;
import dev.peapod.apply.Outcome;
import dev.peapod.controller.api.ApiToken;
import dev.peapod.controller.config.ControllerConfig;
import dev.peapod.engine.CrashLoopBackoff;
import dev.peapod.engine.queue.WorkQueue;
import dev.peapod.controller.source.DirectoryWatcher;
import dev.peapod.controller.source.NodeAgentSource;
import dev.peapod.controller.source.SourceLocation;
import dev.peapod.controller.source.SourceReaders;
import dev.peapod.controller.source.SourceRunner;
import dev.peapod.controller.source.SourceStatus;
import dev.peapod.engine.Engine;
import dev.peapod.engine.PodReconciler;
import dev.peapod.engine.ReconcileResult;
import dev.peapod.engine.RegistryConfigFiles;
import dev.peapod.engine.source.DesiredSnapshot;
import dev.peapod.images.ImageStore;
import dev.peapod.plan.Action;
import dev.peapod.plan.ActualState;
import dev.peapod.plan.Change;
import dev.peapod.plan.Conflict;
import dev.peapod.plan.Plan;
import dev.peapod.plan.Planner;
import dev.peapod.provider.Provider;
import dev.peapod.provider.ProviderEvent;
import dev.peapod.provider.qemu.QemuConfig;
import dev.peapod.provider.qemu.QemuProvider;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * The reconcile loop: sources are read at their interval (and when a directory changes or a
 * webhook asks), each read is planned against the actual state, and the pods that differ go into a
 * {@link WorkQueue} of names that a bounded number of workers take, one pod at a time, through the
 * engine's {@link PodReconciler}. A drift check plans every source again from the VMs' states
 * alone (no guest is asked) whenever the provider announces that a VM ended or another client
 * changed a pod ({@link Provider#watch}), and every {@code drift-interval} in case it could not
 * (as an informer relists), so a VM that died or a pod removed or changed by hand is put back.
 * The actual state is cached between passes as an informer's cache is: a resync plans against it
 * unless an event came or the drift interval went by since it was read. Failures are retried with
 * per-pod exponential backoff; what cannot converge until the source changes is reported, not
 * retried.
 *
 * <p>Stopping the controller leaves the VMs running; a new controller re-adopts them, since the
 * actual state is read from the provider and the records every pass.
 */
@ApplicationScoped
public class PeapodController {

  private static final Logger LOG = Logger.getLogger(PeapodController.class);
  /** How long the events of one change (several files, then the VM) are gathered into one drift check. */
  private static final Duration EVENT_DEBOUNCE = Duration.ofMillis(200);
  private static final Duration MIN_DRIFT_SPACING = Duration.ofSeconds(1);

  @Inject
  ControllerConfig config;

  @Inject
  MeterRegistry registry;

  private final Clock clock = Clock.systemUTC();
  private final Planner planner = new Planner(clock);
  private final EventLog events = new EventLog(1000, clock);
  private final CrashLoopBackoff crashLoops = new CrashLoopBackoff(clock);
  private final Map<String, SourceRunner> sources = new LinkedHashMap<>();
  private final Map<String, Change> pendingChanges = new ConcurrentHashMap<>();
  private final Set<String> removalsRefused = ConcurrentHashMap.newKeySet();
  private final Map<String, HealthGate> gates = new ConcurrentHashMap<>();
  private final List<DirectoryWatcher> watchers = new ArrayList<>();
  /** The node agents of k8s: sources, which plan and reconcile their PeaPods themselves. */
  private final Map<String, NodeAgentSource> agents = new LinkedHashMap<>();
  private final List<Thread> workers = new ArrayList<>();
  private final WorkQueue queue = new WorkQueue(Duration.ofSeconds(1), Duration.ofMinutes(5), clock);
  private ScheduledExecutorService timers;
  /** Bumped by every provider event: a cached actual state read before the last bump is stale. */
  private final AtomicLong providerEvents = new AtomicLong();
  private final AtomicBoolean driftQueued = new AtomicBoolean();
  private volatile CachedActual cachedActual;
  private volatile Instant lastDriftCheck = Instant.EPOCH;
  private QemuProvider watchingProvider;
  private AutoCloseable providerWatch;
  private QemuConfig qemuConfig;
  private Path home;
  private ImageStore images;
  private ControllerMetrics metrics;
  private ApiToken apiToken;

  void onStart(@Observes StartupEvent event) {
    start();
  }

  void onStop(@Observes ShutdownEvent event) {
    stop();
  }

  synchronized void start() {
    Properties properties = new Properties();
    properties.putAll(System.getProperties());
    config.home().ifPresent(h -> properties.setProperty("peapod.home", h));
    config.warmPool().ifPresent(n -> properties.setProperty("peapod.warmPool", Integer.toString(n)));
    config.warmPoolMemory().ifPresent(m -> properties.setProperty("peapod.warmPoolMemory", Integer.toString(m)));
    qemuConfig = QemuConfig.fromEnvironment(properties, System.getenv(), isRoot());
    home = qemuConfig.stateDir();
    apiToken = ApiToken.loadOrCreate(home.resolve("api-token"));
    images = ImageStore.builder(home.resolve("images"))
        .registries(RegistryConfigFiles.load(home, Path.of(System.getProperty("user.home")), System.getenv()))
        .build();
    // The node agents' PeaPods wait in queues of their own; the gauge counts them with the controller's pods.
    metrics = new ControllerMetrics(registry, () -> queue.depth()
        + agents.values().stream().mapToInt(NodeAgentSource::queueDepth).sum());
    config.sources().forEach((name, sourceConfig) -> {
      LOG.infof("source %s: %s, interval %s, retry %s, prune %s (at most %d), %s%s", name, sourceConfig.url(),
          sourceConfig.interval(), sourceConfig.retryInterval(), sourceConfig.prune(), sourceConfig.maxRemovals(),
          sourceConfig.suspend() ? "suspended" : "active", sourceConfig.minReady().isZero() ? ""
              : ", changes gated: running " + sourceConfig.minReady() + " within " + sourceConfig.progressDeadline());
      SourceLocation location = SourceLocation.parse(sourceConfig.url());
      if (location instanceof SourceLocation.Kubernetes kubernetes) {
        agents.put(name, new NodeAgentSource(name, sourceConfig.url(),
            SourceReaders.kubernetesAgent(kubernetes, sourceConfig, () -> openEngine("peapod serve"), metrics,
                config.driftInterval()),
            clock.instant()));
        return;
      }
      sources.put(name, new SourceRunner(name, sourceConfig, location,
          SourceReaders.reader(name, location, sourceConfig, home), clock));
    });
    timers = Executors.newScheduledThreadPool(2, r -> daemon(r, "peapod-timers"));
    for (int i = 0; i < config.workers(); i++) {
      Thread worker = daemon(this::work, "peapod-worker-" + i);
      workers.add(worker);
      worker.start();
    }
    for (SourceRunner source : sources.values()) {
      timers.execute(() -> syncAndReschedule(source));
      if (source.location() instanceof SourceLocation.Directory dir) {
        try {
          watchers.add(new DirectoryWatcher(dir.path(), Duration.ofMillis(300), () -> requestSync(source.name())));
        } catch (IOException e) {
          LOG.warnf("source %s: cannot watch %s (%s); it is read every %s", source.name(), dir.path(),
              e.getMessage(), source.config().interval());
        }
      }
    }
    timers.scheduleWithFixedDelay(() -> checkDrift("interval"), config.driftInterval().toMillis(),
        config.driftInterval().toMillis(), TimeUnit.MILLISECONDS);
    watchingProvider = new QemuProvider(qemuConfig);
    // While it runs, the controller keeps the warm pools in threads: no keeper processes, no JVM start per shape.
    watchingProvider.keepWarmPoolsInThisProcess();
    try {
      providerWatch = watchingProvider.watch(this::onProviderEvent);
    } catch (RuntimeException e) {
      LOG.warnf("cannot watch the pods (%s): drift is found every %s only", e.getMessage(), config.driftInterval());
    }
    LOG.infof("controller started: %d sources, %d workers, home %s", sources.size(), config.workers(), home);
  }

  synchronized void stop() {
    for (NodeAgentSource agent : agents.values()) {
      try {
        agent.close();
      } catch (Exception e) {
        LOG.warnf("stopping a node agent: %s", e.getMessage());
      }
    }
    queue.shutDown();
    if (providerWatch != null) {
      try {
        providerWatch.close();
      } catch (Exception e) {
        LOG.debugf("closing the pod watch: %s", e.getMessage());
      }
    }
    if (watchingProvider != null) {
      try {
        watchingProvider.stopKeepingWarmPools(); // the pool VMs wait for the next keeper
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      watchingProvider.close();
    }
    if (timers != null) {
      timers.shutdownNow();
    }
    for (DirectoryWatcher watcher : watchers) {
      try {
        watcher.close();
      } catch (IOException ignored) {
        // shutting down
      }
    }
    for (Thread worker : workers) {
      try {
        // A change under way finishes (its records stay truthful); the VMs keep running.
        worker.join(Duration.ofSeconds(60).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (images != null) {
      images.close();
    }
  }

  // ---- what the API asks

  public Collection<SourceRunner> sources() {
    return sources.values();
  }

  public Optional<SourceRunner> source(String name) {
    return Optional.ofNullable(sources.get(name));
  }

  /** Whether {@code name} is a {@code k8s:} source: its node agent follows the API server, nothing to sync or suspend. */
  public boolean isNodeAgent(String name) {
    return agents.containsKey(name);
  }

  /** Every source's status, node agents included, in the order they were configured. */
  public List<SourceStatus> sourceStatuses() {
    List<SourceStatus> all = new ArrayList<>();
    sources.values().forEach(s -> all.add(s.status()));
    agents.values().forEach(a -> all.add(a.status(clock.instant())));
    return all;
  }

  public Optional<SourceStatus> sourceStatus(String name) {
    SourceRunner source = sources.get(name);
    if (source != null) {
      return Optional.of(source.status());
    }
    NodeAgentSource agent = agents.get(name);
    return agent == null ? Optional.empty() : Optional.of(agent.status(clock.instant()));
  }

  public EventLog events() {
    return events;
  }

  public Path home() {
    return home;
  }

  public ApiToken apiToken() {
    return apiToken;
  }

  public QemuConfig qemuConfig() {
    return qemuConfig;
  }

  public ImageStore images() {
    return images;
  }

  /** The change the controller last planned for {@code pod} and has not finished, if any. */
  public Optional<Change> pendingChange(String pod) {
    return Optional.ofNullable(pendingChanges.get(pod));
  }

  /** Every source has been read once (well or not): what readiness means. */
  public boolean everySourceSynced() {
    return sources.values().stream().allMatch(SourceRunner::syncedOnce)
        && agents.values().stream().allMatch(NodeAgentSource::synced);
  }

  public int queueDepth() {
    return queue.depth();
  }

  /** An engine for one pass: its own provider (so no guest connection outlives the pass), the shared images. */
  public Engine openEngine(String command) {
    return Engine.withSharedImages(new QemuProvider(qemuConfig), home, images, Engine.fileLocks(home, command), clock);
  }

  /** Reads the source now (webhook, {@code peapod sync}, a changed file), off the caller's thread. */
  public void requestSync(String name) {
    SourceRunner source = sources.get(name);
    if (source != null && timers != null && !timers.isShutdown()) {
      timers.execute(() -> sync(source));
    }
  }

  public void setSuspended(String name, boolean suspended) {
    SourceRunner source = sources.get(name);
    source.suspend(suspended);
    events.normal(suspended ? "Suspended" : "Resumed", "source", name,
        suspended ? "changes to its pods stay until it is resumed" : "its pods are put back to its revision");
    if (!suspended) {
      requestSync(name);
    }
  }

  // ---- sources

  private void syncAndReschedule(SourceRunner source) {
    boolean ok = sync(source);
    if (!timers.isShutdown()) {
      Duration next = ok ? source.config().interval() : source.config().retryInterval();
      timers.schedule(() -> syncAndReschedule(source), next.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** Reads one source and plans it; true when the read was good. */
  private boolean sync(SourceRunner source) {
    Optional<DesiredSnapshot> snapshot;
    synchronized (source) {
      String before = source.status().lastAttemptedRevision();
      snapshot = source.sync();
      metrics.synced(source.name(), clock.instant(), snapshot.isPresent());
      var status = source.status();
      if (snapshot.isEmpty() && !status.lastAttemptedRevision().equals(before)) {
        events.warning("SyncFailed", "source", source.name(), status.condition("Ready").message() + ": "
            + String.join("; ", status.diagnostics()));
      } else if (snapshot.isPresent() && !snapshot.get().revision().equals(before)
          && snapshot.get().revision().equals(status.lastAttemptedRevision())) {
        events.normal("NewRevision", "source", source.name(), "read revision " + snapshot.get().revision());
      }
    }
    try {
      planSources(cachedOrFreshActual());
    } catch (RuntimeException e) {
      LOG.warnf("planning after a read of source %s failed: %s", source.name(), e.getMessage());
    }
    return snapshot.isPresent();
  }

  /** The actual state read now, and kept as the cache that resyncs plan against. */
  private ActualState freshActual(String why) {
    metrics.actualRead(why);
    long generation = providerEvents.get();
    Instant readAt = clock.instant();
    try (Engine engine = openEngine("peapod serve")) {
      ActualState actual = engine.actual();
      cachedActual = new CachedActual(actual, readAt, generation);
      return actual;
    }
  }

  /**
   * The cached actual state while nothing can have changed it unseen: no provider event since it
   * was read, younger than the drift interval, and no change of this controller's own under way
   * (its changes are announced too, but a worker may still be between its steps).
   */
  private ActualState cachedOrFreshActual() {
    CachedActual cached = cachedActual;
    if (cached != null && cached.generation() == providerEvents.get() && pendingChanges.isEmpty()
        && cached.readAt().plus(config.driftInterval()).isAfter(clock.instant())) {
      return cached.actual();
    }
    return freshActual("sync");
  }

  private void checkDrift(String why) {
    try {
      lastDriftCheck = clock.instant();
      ActualState actual = freshActual(why);
      metrics.pods(actual);
      planSources(actual);
    } catch (RuntimeException e) {
      LOG.warnf("drift check failed: %s", e.getMessage());
    }
  }

  /**
   * A VM ended or another client (or one of this controller's workers) changed a pod: a drift
   * check soon, once the burst of events a change makes is over, and at most one a second.
   */
  private void onProviderEvent(ProviderEvent event) {
    metrics.providerEvent(event.kind().name().toLowerCase(java.util.Locale.ROOT));
    if (event.kind() == ProviderEvent.Kind.READINESS) {
      return; // no drift: what is recorded did not change (a node agent in this process writes its status)
    }
    providerEvents.incrementAndGet();
    if (event.kind() == ProviderEvent.Kind.VM_ENDED) {
      LOG.debugf("pod %s: its VM ended", event.pod());
    }
    if (timers == null || timers.isShutdown() || !driftQueued.compareAndSet(false, true)) {
      return;
    }
    long sinceLast = Duration.between(lastDriftCheck, clock.instant()).toMillis();
    long delay = Math.max(EVENT_DEBOUNCE.toMillis(), MIN_DRIFT_SPACING.toMillis() - sinceLast);
    try {
      timers.schedule(() -> {
        driftQueued.set(false);
        checkDrift("event");
      }, delay, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      driftQueued.set(false); // shutting down
    }
  }

  private record CachedActual(ActualState actual, Instant readAt, long generation) {}

  /**
   * Plans every source's last good snapshot against {@code actual} and queues the pods that
   * differ. Pods declared by two sources are conflicts on both; a source whose plan would remove
   * more than its guards allow removes nothing (its other changes go ahead).
   */
  private void planSources(ActualState actual) {
    Map<String, List<String>> declaredBy = new LinkedHashMap<>();
    for (SourceRunner source : sources.values()) {
      source.lastGood().ifPresent(s -> s.pods().forEach(p ->
          declaredBy.computeIfAbsent(p.name(), n -> new ArrayList<>()).add(source.name())));
    }
    for (SourceRunner source : sources.values()) {
      if (source.lastGood().isEmpty() || source.suspended()) {
        continue;
      }
      Plan plan = planner.plan(source.lastGood().get().pods(), actual, source.planOptions());
      Set<String> changing = new HashSet<>();
      for (Change change : plan.changes()) {
        List<String> claimants = declaredBy.getOrDefault(change.pod(), List.of());
        if (claimants.size() > 1) {
          source.stalled(change.pod(), "declared by several sources (" + String.join(", ", claimants)
              + "); none of them changes it");
          continue;
        }
        if (change.action() == Action.REMOVE && plan.refusal().isPresent()) {
          source.stalled(change.pod(), plan.refusal().get());
          removalsRefused.add(change.pod());
          continue;
        }
        removalsRefused.remove(change.pod());
        changing.add(change.pod());
        pendingChanges.put(change.pod(), change);
        queue.add(change.pod());
      }
      for (Conflict conflict : plan.conflicts()) {
        source.stalled(conflict.pod(), conflict.text());
      }
      source.planned(changing);
    }
  }

  // ---- workers

  private void work() {
    queue.work(this::reconcile, (pod, e) -> LOG.warnf(e, "pod %s: reconcile failed", pod));
  }

  private void reconcile(String pod) {
    Instant start = clock.instant();
    String result;
    try (Engine engine = openEngine("peapod serve")) {
      PodSync sync = PodSync.of(pod, List.copyOf(sources.values()), engine.records().owner(pod));
      if (sync instanceof PodSync.Conflict conflict) {
        String names = String.join(", ", conflict.sources().stream().map(SourceRunner::name).toList());
        conflict.sources().forEach(s -> s.stalled(pod, "declared by several sources (" + names + ")"));
        events.warning("Conflict", "pod", pod, "declared by several sources (" + names + "); none of them changes it");
        return;
      }
      if (!(sync instanceof PodSync.Of of) || of.source().suspended() || removalsRefused.contains(pod)) {
        pendingChanges.remove(pod);
        return;
      }
      SourceRunner source = of.source();
      HealthGate gate = gates.get(pod);
      if (gate != null && gate.source().equals(source.name())) {
        checkGate(engine, source, pod, gate);
        return;
      }
      ReconcileResult outcome = new PodReconciler(engine).reconcile(pod, source.lastGood().orElseThrow(),
          source.planOptions(), crashLoops, progress());
      result = handle(engine, source, outcome);
    }
    metrics.reconciled(Duration.between(start, clock.instant()), result);
  }

  private String handle(Engine engine, SourceRunner source, ReconcileResult outcome) {
    String pod = outcome.pod();
    if (outcome instanceof ReconcileResult.Converged converged) {
      queue.forget(pod);
      pendingChanges.remove(pod);
      source.converged(pod);
      converged.applied().ifPresent(change -> {
        metrics.action(change.action().verb(), true);
        if ((change.action() == Action.REPLACE || change.action() == Action.RECREATE) && source.canRollBack()) {
          gates.put(pod, new HealthGate(source.name(), source.config().minReady(),
              clock.instant().plus(source.config().progressDeadline())));
          queue.addAfter(pod, Duration.ofSeconds(1));
          LOG.infof("pod %s: on probation: it must run for %s within %s", pod, source.config().minReady(),
              source.config().progressDeadline());
        }
        events.normal(eventReason(change.action()), "pod", pod, describe(change));
        if (change.action() != Action.REMOVE && change.action() != Action.STOP) {
          engine.provider().inventoryOf(pod).flatMap(p -> p.vm()).ifPresent(vm -> metrics.boot(vm.boot(), vm.bootTime()));
        }
      });
      return "converged";
    }
    if (outcome instanceof ReconcileResult.Retry retry) {
      Duration after = queue.addRateLimited(pod);
      metrics.action(retry.change().action().verb(), false);
      String message = message(retry.cause());
      source.retrying(pod, message);
      events.warning("Failed", "pod", pod, retry.change().action().verb() + " failed: " + message
          + " (retry in " + after.toSeconds() + " s)");
      return "retry";
    }
    if (outcome instanceof ReconcileResult.Deferred deferred) {
      queue.addAfter(pod, deferred.after());
      source.retrying(pod, "CrashLoopBackOff: its VM keeps ending; next start in " + deferred.after().toSeconds() + " s");
      events.warning("BackOff", "pod", pod, "its VM keeps ending (" + crashLoops.restarts(pod)
          + " restarts); next start in " + deferred.after().toSeconds() + " s");
      return "deferred";
    }
    ReconcileResult.Stalled stalled = (ReconcileResult.Stalled) outcome;
    pendingChanges.remove(pod);
    source.stalled(pod, stalled.message());
    events.warning(stalled.reason().name(), "pod", pod, stalled.message());
    return "stalled";
  }

  /**
   * One look at a pod on probation: passed (it ran long enough), failed (the deadline went by):
   * the source's previous revision is put back and the pod is planned again, which replaces or
   * recreates it back; otherwise look again in a second.
   */
  private void checkGate(Engine engine, SourceRunner source, String pod, HealthGate gate) {
    HealthGate.Verdict verdict = gate.observe(engine.provider().inspect(pod), clock.instant());
    LOG.debugf("pod %s: health gate %s (%s)", pod, verdict, gate.problem());
    switch (verdict) {
      case PASSED -> {
        gates.remove(pod);
        events.normal("Healthy", "pod", pod, "ran for " + gate.minReady().toSeconds() + " s after its change");
      }
      case FAILED -> {
        gates.remove(pod);
        String why = "pod " + pod + " did not run for " + gate.minReady().toSeconds() + " s within "
            + source.config().progressDeadline().toSeconds() + " s: " + gate.problem();
        if (source.rollBack(why)) {
          events.warning("RolledBack", "source", source.name(), source.status().condition("Ready").message());
          planSources(freshActual("rollback"));
        } else {
          events.warning("Unhealthy", "pod", pod, why + "; no earlier revision to go back to");
        }
      }
      case WAITING -> queue.addAfter(pod, Duration.ofSeconds(1));
    }
  }

  private static String eventReason(Action action) {
    return switch (action) {
      case CREATE -> "Created";
      case START -> "Started";
      case REPLACE -> "Replaced";
      case UPDATE -> "Updated";
      case REFRESH -> "FilesUpdated";
      case RECREATE -> "Recreated";
      case STOP -> "Stopped";
      case REMOVE -> "Removed";
    };
  }

  private static String describe(Change change) {
    StringBuilder out = new StringBuilder(change.action().verb());
    if (!change.action().qualifier().isEmpty()) {
      out.append(' ').append(change.action().qualifier());
    }
    change.reasons().stream().findFirst().ifPresent(r -> out.append(' ').append(r));
    return out.toString();
  }

  private static String message(Throwable e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  private ApplyListener progress() {
    return new ApplyListener() {
      @Override
      public void step(Change change, String what) {
        LOG.debugf("pod %s: %s", change.pod(), what);
      }

      @Override
      public void finished(Outcome outcome) {
        LOG.debugf("pod %s: %s %s%s", outcome.change().pod(), outcome.change().action().verb(),
            outcome.status().name().toLowerCase(java.util.Locale.ROOT),
            outcome.error().isEmpty() ? "" : ": " + outcome.error());
      }
    };
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  private static boolean isRoot() {
    try {
      return Integer.valueOf(0).equals(java.nio.file.Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }
}
