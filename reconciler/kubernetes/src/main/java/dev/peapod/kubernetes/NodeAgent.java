package dev.peapod.kubernetes;

import dev.peapod.apply.ApplyListener;
import dev.peapod.engine.Engine;
import dev.peapod.engine.ManifestRejectedException;
import dev.peapod.engine.PodReconciler;
import dev.peapod.engine.ReconcileMetrics;
import dev.peapod.engine.ReconcileResult;
import dev.peapod.engine.source.DesiredSnapshot;
import dev.peapod.kubernetes.StatusReport.Outcome;
import dev.peapod.manifest.diag.Diagnostic;
import dev.peapod.manifest.model.DesiredState;
import dev.peapod.plan.Action;
import dev.peapod.plan.ActualPod;
import dev.peapod.plan.ActualState;
import dev.peapod.plan.AppliedRecord;
import dev.peapod.plan.Change;
import dev.peapod.plan.Plan;
import dev.peapod.plan.PlanOptions;
import dev.peapod.provider.PodState;
import dev.peapod.provider.PodStatus;
import dev.peapod.provider.ProviderEvent;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import dev.peapod.engine.CrashLoopBackoff;
import dev.peapod.engine.queue.WorkQueue;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The node agent's Kubernetes side: an informer over the PeaPods labelled with this node's name
 * ({@link PeaPods#NODE_LABEL}; the API server filters, so PeaPods of other nodes never reach this
 * agent), a {@link WorkQueue} of their keys (the engine's, as the controller's sources use it), and workers that take one PeaPod at a time through the
 * engine's {@link PodReconciler} with the PeaPod's own {@link KubernetesSource}: one owner
 * ({@code k8s:NAMESPACE/NAME}), one pod, and a plan that can touch nothing else.
 *
 * <p>Each pass: add the finalizer before anything exists on the node; read the spec with the
 * manifest parser (an invalid spec is reported in status and Events, and changes nothing); write
 * the planned change into {@code status.pendingChange}; carry it out; write the status from the
 * pod as it is now, and an Event for what was done. A PeaPod being deleted is planned with no pod,
 * so its pod is removed, and then the finalizer goes.
 *
 * <p>Pods whose record names a PeaPod that is not in the cache are removed only after the informer
 * has synced and the API server, asked for that one PeaPod, says it is gone or bound to another
 * node: an agent that was down while a PeaPod was deleted cleans up when it comes back, and an
 * empty or stale cache removes nothing.
 */
public final class NodeAgent implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(NodeAgent.class.getName());

  private final KubernetesClient client;
  private final boolean ownsClient;
  private final String node;
  private final Supplier<Engine> engines;
  private final Clock clock;
  private final Duration resync;
  private final PeaPodWriter writer;
  private final AgentEvents events;
  private final WorkQueue queue;
  /** Holds back the restart of a VM that keeps ending, as the directory and git sources do. */
  private final CrashLoopBackoff crashLoops;
  /** The ConfigMaps and Secrets the PeaPods refer to, watched one by one; a change queues their PeaPods. */
  private final ConfigWatches configs;
  private final List<Thread> workers = new ArrayList<>();
  /** Puts PeaPods on nodes through placeholder Pods; every agent runs one. */
  private final Placement placement;
  /** Where passes, changes and boots are reported (the controller's /q/metrics under peapod serve). */
  private volatile ReconcileMetrics metrics = ReconcileMetrics.NONE;
  private ScheduledExecutorService timers;
  /** Each PeaPod's spec as last parsed, by key, valid while its {@link SpecVersion} holds. */
  private final Map<String, Parsed> parsed = new ConcurrentHashMap<>();
  /** What each PeaPod's status last reported, by key: a resync passes over what still holds. */
  private final Map<String, Seen> seen = new ConcurrentHashMap<>();
  /** Writes readiness changes of converged PeaPods between passes. */
  private final ReadinessWatch readiness;
  /**
   * Bumped by every provider event and every pass that may have changed a pod: an actual state read
   * before the last bump is stale.
   */
  private final AtomicLong actualChanges = new AtomicLong();
  private final AtomicInteger passesUnderWay = new AtomicInteger();
  /** The actual state the last resync read, which the next plans against while nothing changed it. */
  private volatile CachedActual cachedActual;
  /** The longest a resync trusts a cached read: what the provider's events may have missed is found then. */
  private volatile Duration driftInterval;
  private Engine watchingEngine;
  private AutoCloseable providerWatch;
  private volatile boolean watching;

  /** The keys of PeaPods whose pod exists on this node, as their last pass or resync found it. */
  private final Set<String> withPod = ConcurrentHashMap.newKeySet();

  private record CachedActual(ActualState actual, Instant readAt, long changes) {}

  private record Parsed(SpecVersion version, DesiredSnapshot snapshot, ManifestRejectedException rejected) {}

  /**
   * What a PeaPod's parse depends on: its spec (the generation moves with it) and the labels and
   * annotations that go into the manifest. Not its resourceVersion, which every status write moves:
   * the resync after a burst of passes would parse every spec again.
   */
  private record SpecVersion(long generation, Map<String, String> labels, Map<String, String> annotations) {
    static SpecVersion of(GenericKubernetesResource peaPod) {
      return new SpecVersion(PeaPods.generation(peaPod), peaPod.getMetadata().getLabels(),
          peaPod.getMetadata().getAnnotations());
    }
  }

  /** The generation a status was written for and the pod's lifecycle state it gave. */
  private record Seen(long generation, Optional<PodState> state) {}
  private SharedIndexInformer<GenericKubernetesResource> informer;

  /**
   * @param client talks to the API server; the agent does not close it
   * @param node this node's name, as PeaPods are labelled with it
   * @param engines opens an engine for one pass (its own provider, the node's shared image store)
   * @param resync how often every PeaPod is looked at again, and orphans are looked for
   */
  public NodeAgent(KubernetesClient client, String node, Supplier<Engine> engines, Clock clock, Duration resync) {
    this(client, false, node, engines, clock, resync);
  }

  private NodeAgent(KubernetesClient client, boolean ownsClient, String node, Supplier<Engine> engines, Clock clock,
      Duration resync) {
    this.client = client;
    this.ownsClient = ownsClient;
    this.node = node;
    this.engines = engines;
    this.clock = clock;
    this.queue = new WorkQueue(Duration.ofSeconds(1), Duration.ofMinutes(5), clock);
    this.crashLoops = new CrashLoopBackoff(clock);
    this.resync = resync;
    this.driftInterval = resync;
    this.writer = new PeaPodWriter(client);
    this.events = new AgentEvents(client, node, clock);
    this.placement = new Placement(client, node, events, clock, resync);
    // A changed ConfigMap also drops the resync's parse of the PeaPods that use it (their
    // generation did not move).
    this.readiness = new ReadinessWatch(engines, key -> informer.getStore().getByKey(key), (peaPod, pod, desired,
        now) -> writeStatus(peaPod, pod, false, desired, Optional.of(now), new Outcome.Converged()), clock);
    this.configs = new ConfigWatches(client, key -> {
      parsed.remove(key);
      queue.add(key);
    });
  }

  /**
   * An agent with a client of its own, configured as fabric8 finds it: in a Pod, its service
   * account; elsewhere {@code KUBECONFIG} or {@code ~/.kube/config} (and the {@code kubernetes.*}
   * system properties). Closing the agent closes the client.
   */
  public static NodeAgent connect(String node, Supplier<Engine> engines, Duration resync) {
    return new NodeAgent(new KubernetesClientBuilder().build(), true, node, engines, Clock.systemUTC(), resync);
  }

  /**
   * The node this agent runs on when none is named: {@code NODE_NAME} (a DaemonSet sets it from
   * {@code spec.nodeName}), else the host name.
   */
  public static String defaultNode() {
    String name = System.getenv("NODE_NAME");
    if (name != null && !name.isBlank()) {
      return name;
    }
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException("cannot tell this node's name: set NODE_NAME or name it (k8s:NODE)", e);
    }
  }

  public String node() {
    return node;
  }

  /** Reports every pass, change and boot to {@code metrics} from now on. */
  public NodeAgent reportTo(ReconcileMetrics metrics) {
    this.metrics = metrics;
    return this;
  }

  /**
   * Reads every pod's state afresh at least this often, whatever the provider's events said (the
   * resync interval unless told; {@code peapod serve} passes its {@code drift-interval}).
   */
  public NodeAgent driftInterval(Duration interval) {
    this.driftInterval = interval;
    return this;
  }

  /**
   * How many of this node's PeaPods have a pod here, as their last pass or resync found them: what
   * the sources list shows, without a read of its own.
   */
  public int podsOwned() {
    return withPod.size();
  }

  /** PeaPods waiting for a pass (the controller's {@code peapod_queue_depth} counts them). */
  public int queueDepth() {
    return queue.depth();
  }

  /**
   * Starts the informer and one worker (VMs boot one at a time per node) and returns at once. An
   * API server that cannot be reached now is tried again by the informer, with backoff, for as long
   * as the agent runs: nothing on the node changes meanwhile.
   */
  public synchronized void start() {
    timers = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "peapod-agent-timer"));
    informer = client.genericKubernetesResources(PeaPods.CONTEXT).inAnyNamespace()
        .withLabel(PeaPods.NODE_LABEL, node)
        .runnableInformer(0); // no per-object resync: resync() looks at the whole set at once
    informer.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(GenericKubernetesResource peaPod) {
        queue.add(PeaPods.key(peaPod));
      }

      @Override
      public void onUpdate(GenericKubernetesResource before, GenericKubernetesResource after) {
        if (worthAPass(before, after)) {
          queue.add(PeaPods.key(after));
        }
      }

      @Override
      public void onDelete(GenericKubernetesResource peaPod, boolean finalStateUnknown) {
        // Gone from this node's view (deleted without our finalizer, or bound elsewhere): its
        // pod, if any, is an orphan now.
        parsed.remove(PeaPods.key(peaPod));
        seen.remove(PeaPods.key(peaPod));
        readiness.forget(PeaPods.key(peaPod));
        withPod.remove(PeaPods.key(peaPod));
        timers.execute(NodeAgent.this::removeOrphansQuietly);
        configs.forget(PeaPods.key(peaPod));
      }
    });
    informer.exceptionHandler((started, e) -> {
      LOG.log(System.Logger.Level.WARNING, "watching PeaPods of node " + node + ": " + e.getMessage()
          + "; trying again");
      return true;
    });
    informer.start();
    placement.start();
    readiness.start();
    watchProvider();
    Thread worker = daemon(this::work, "peapod-agent-worker");
    workers.add(worker);
    worker.start();
    // The first resync as soon as the informer has synced (orphans left while the agent was down
    // go then), then one every resync interval.
    timers.execute(() -> {
      try {
        while (!synced()) {
          Thread.sleep(100);
        }
      } catch (InterruptedException e) {
        return;
      }
      resyncQuietly();
      timers.scheduleWithFixedDelay(this::resyncQuietly, resync.toMillis(), resync.toMillis(), TimeUnit.MILLISECONDS);
    });
  }

  /**
   * A change of what the agent acts on (an update with the same resourceVersion, as an informer's
   * resync sends, is one too). Not a change of the
   * status alone: every status write would otherwise come back as a pass, and a failing PeaPod
   * would be retried at once instead of after its backoff.
   */
  static boolean worthAPass(GenericKubernetesResource before, GenericKubernetesResource after) {
    return Objects.equals(before.getMetadata().getResourceVersion(), after.getMetadata().getResourceVersion())
        || !Objects.equals(before.getMetadata().getGeneration(), after.getMetadata().getGeneration())
        || !Objects.equals(before.getMetadata().getDeletionTimestamp(), after.getMetadata().getDeletionTimestamp())
        || !Objects.equals(before.getMetadata().getFinalizers(), after.getMetadata().getFinalizers())
        || !Objects.equals(before.getMetadata().getLabels(), after.getMetadata().getLabels())
        || !Objects.equals(before.getMetadata().getAnnotations(), after.getMetadata().getAnnotations());
  }

  /**
   * Listens to the provider's events, so that a resync can plan against the state it last read
   * while nothing announced a change: any event makes that read stale, and a VM that ended queues
   * its PeaPod at once (its restart policy decides). Without events every resync reads afresh.
   */
  private void watchProvider() {
    try {
      watchingEngine = engines.get();
      providerWatch = watchingEngine.provider().watch(event -> {
        if (event.kind() == ProviderEvent.Kind.READINESS) {
          // Nothing recorded changed: the cached read stays good, and the status is the watch's.
          readiness.nudged(event.pod());
          return;
        }
        actualChanges.incrementAndGet();
        if (event.kind() == ProviderEvent.Kind.VM_ENDED && !event.isAnything()) {
          peaPodOf(event.pod()).ifPresent(queue::add);
        }
      });
      watching = true;
      readiness.pushed(true);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot watch the pods of node " + node + " (" + e.getMessage()
          + "): every resync reads them afresh");
    }
  }

  /** The key of the PeaPod whose pod is {@code pod} ({@code NAMESPACE--NAME}; either may hold {@code --}). */
  private Optional<String> peaPodOf(String pod) {
    for (int at = pod.indexOf("--"); at > 0; at = pod.indexOf("--", at + 1)) {
      String key = pod.substring(0, at) + "/" + pod.substring(at + 2);
      if (informer != null && informer.getStore().getByKey(key) != null) {
        return Optional.of(key);
      }
    }
    return Optional.empty();
  }

  /** Whether the informer has listed every PeaPod of this node once. */
  public boolean synced() {
    return informer != null && informer.hasSynced();
  }

  @Override
  public synchronized void close() {
    queue.shutDown();
    placement.close();
    readiness.close();
    if (timers != null) {
      timers.shutdownNow();
    }
    if (informer != null) {
      informer.close();
    }
    configs.close();
    if (providerWatch != null) {
      try {
        providerWatch.close();
      } catch (Exception e) {
        LOG.log(System.Logger.Level.DEBUG, "closing the pod watch: " + e.getMessage());
      }
    }
    if (watchingEngine != null) {
      watchingEngine.close();
    }
    for (Thread worker : workers) {
      try {
        worker.join(Duration.ofSeconds(60).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (ownsClient) {
      client.close();
    }
  }

  private void work() {
    queue.work(this::reconcile, (key, e) -> LOG.log(System.Logger.Level.WARNING,
        "PeaPod " + key + ": pass failed: " + e.getMessage(), e));
  }

  /** One pass over one PeaPod, as it is in the cache now; any pass may change a pod, so a cached read is stale after it. */
  void reconcile(String key) {
    passesUnderWay.incrementAndGet();
    try {
      readiness.alone(key, () -> pass(key));
    } finally {
      actualChanges.incrementAndGet();
      passesUnderWay.decrementAndGet();
    }
  }

  private void pass(String key) {
    readiness.forget(key);
    GenericKubernetesResource peaPod = informer.getStore().getByKey(key);
    if (peaPod == null) {
      configs.forget(key);
      return;
    }
    boolean deleting = PeaPods.deleting(peaPod);
    if (deleting && !PeaPods.hasFinalizer(peaPod)) {
      return; // nothing of it was ever made here, or it is already cleaned up
    }
    if (!deleting && !PeaPods.hasFinalizer(peaPod)) {
      peaPod = writer.addFinalizer(peaPod);
    }
    KubernetesSource source = new KubernetesSource(peaPod, configs.forPass(key));
    String pod = source.podName();
    DesiredSnapshot snapshot;
    try {
      snapshot = source.read();
    } catch (ManifestRejectedException e) {
      if (!deleting) {
        parsed.put(key, new Parsed(SpecVersion.of(peaPod), null, e));
      }
      invalid(peaPod, pod, e);
      return;
    }
    if (!deleting) {
      // The resync plans against this parse too, until the spec, labels or annotations change.
      parsed.put(key, new Parsed(SpecVersion.of(peaPod), snapshot, null));
    }
    Optional<DesiredState> desired = snapshot.pods().stream().findFirst().map(p -> p.state());
    // A PeaPod being deleted is its owner's explicit removal: the mass-removal guard, which is
    // there for sources that come back empty by accident, does not hold it back.
    PlanOptions options = new PlanOptions(Set.of(), deleting, 0, source.owner(), false);
    try (Engine engine = engines.get()) {
      Plan plan = engine.planOne(snapshot, pod, options);
      Optional<Change> next = plan.changes().stream().findFirst();
      if (next.isPresent() && plan.conflicts().isEmpty() && plan.refusal().isEmpty()) {
        writeStatus(peaPod, pod, deleting, desired, engine.provider().inspect(pod), new Outcome.Pending(next.get()));
      }
      Instant started = clock.instant();
      ReconcileResult result = new PodReconciler(engine).reconcile(pod, snapshot, options, crashLoops,
          ApplyListener.NONE);
      Optional<ManifestRejectedException> rejected = rejection(result);
      if (rejected.isPresent()) {
        // The spec was refused when the engine turned it into a provider spec (a Secret in an
        // environment variable, for one): trying again cannot help until the PeaPod or what it
        // refers to changes, and either queues it again.
        metrics.reconciled(Duration.between(started, clock.instant()), "stalled");
        throw rejected.get();
      }
      Optional<PodStatus> now = engine.provider().inspect(pod);
      sawPod(key, now.isPresent());
      Outcome outcome = outcome(peaPod, key, result);
      report(result, Duration.between(started, clock.instant()), now);
      if (deleting && result instanceof ReconcileResult.Converged && now.isEmpty()) {
        writer.removeFinalizer(peaPod);
        return;
      }
      writeStatus(peaPod, pod, deleting, desired, now, outcome);
      if (outcome instanceof Outcome.Converged) {
        seen.put(key, new Seen(PeaPods.generation(peaPod), now.map(PodStatus::state)));
        readiness.converged(key, pod, PeaPods.generation(peaPod), desired, now);
      } else {
        seen.remove(key);
      }
    } catch (ManifestRejectedException e) {
      // As invalid as a spec the parser refused, and reported the same way (once the engine is closed).
      queue.forget(key);
      invalid(peaPod, pod, e);
    }
  }

  private void sawPod(String key, boolean exists) {
    if (exists) {
      withPod.add(key);
    } else {
      withPod.remove(key);
    }
  }

  /** A change that failed because the spec itself was refused, not because of the node. */
  private static Optional<ManifestRejectedException> rejection(ReconcileResult result) {
    if (result instanceof ReconcileResult.Retry retry) {
      for (Throwable e = retry.cause(); e != null; e = e.getCause()) {
        if (e instanceof ManifestRejectedException rejected) {
          return Optional.of(rejected);
        }
      }
    }
    return Optional.empty();
  }

  /** The ConfigMaps and Secrets watched now, as {@code configmap/NAMESPACE/NAME}. */
  Set<String> watchedConfigs() {
    return configs.watched();
  }

  /** The pass, the change it carried out or failed, and the boot of a VM it started, for the metrics. */
  private void report(ReconcileResult result, Duration took, Optional<PodStatus> now) {
    if (result instanceof ReconcileResult.Converged converged) {
      metrics.reconciled(took, "converged");
      converged.applied().ifPresent(change -> {
        metrics.action(change.action().verb(), true);
        if (change.action() == Action.CREATE || change.action() == Action.START || change.action() == Action.RECREATE) {
          now.flatMap(PodStatus::vm).ifPresent(vm -> metrics.boot(vm.boot(), vm.bootTime()));
        }
      });
    } else if (result instanceof ReconcileResult.Retry retry) {
      metrics.reconciled(took, "retry");
      metrics.action(retry.change().action().verb(), false);
    } else {
      metrics.reconciled(took, result instanceof ReconcileResult.Deferred ? "deferred" : "stalled");
    }
  }

  /** Forgets, retries or reports, as the result asks, with an Event for what was done or went wrong. */
  private Outcome outcome(GenericKubernetesResource peaPod, String key, ReconcileResult result) {
    if (result instanceof ReconcileResult.Converged converged) {
      queue.forget(key);
      converged.applied().ifPresent(change -> events.normal(peaPod, eventReason(change.action()),
          StatusReport.summary(change)));
      return new Outcome.Converged();
    }
    if (result instanceof ReconcileResult.Retry retry) {
      Duration after = queue.addRateLimited(key);
      String message = retry.change().action().verb() + " failed: " + message(retry.cause());
      events.warning(peaPod, "Failed", message + " (retry in " + after.toSeconds() + " s)");
      return new Outcome.Failing("ReconciliationFailed", message);
    }
    if (result instanceof ReconcileResult.Deferred deferred) {
      queue.addAfter(key, deferred.after());
      String message = "its VM keeps ending; next start in " + deferred.after().toSeconds() + " s";
      events.warning(peaPod, "BackOff", message);
      return new Outcome.Failing("CrashLoopBackOff", message);
    }
    ReconcileResult.Stalled stalled = (ReconcileResult.Stalled) result;
    events.warning(peaPod, stalled.reason().name(), stalled.message());
    return new Outcome.Stalled(stalled.reason().name(), stalled.message(), List.of());
  }

  private void invalid(GenericKubernetesResource peaPod, String pod, ManifestRejectedException e) {
    List<String> diagnostics = e.diagnostics().stream().map(NodeAgent::withoutPosition).toList();
    String message = diagnostics.size() == 1 ? diagnostics.get(0)
        : diagnostics.size() + " problems; the first: " + diagnostics.get(0);
    events.warning(peaPod, "InvalidSpec", message);
    try (Engine engine = engines.get()) {
      Optional<PodStatus> now = engine.provider().inspect(pod);
      sawPod(PeaPods.key(peaPod), now.isPresent());
      writeStatus(peaPod, pod, false, Optional.empty(), now, new Outcome.Stalled("InvalidSpec", message, diagnostics));
      seen.put(PeaPods.key(peaPod), new Seen(PeaPods.generation(peaPod), now.map(PodStatus::state)));
    }
  }

  /**
   * {@code spec.containers[0].image: message}: the line and column are of the JSON the agent made
   * of the object, which the user never saw.
   */
  private static String withoutPosition(Diagnostic d) {
    String severity = d.isError() ? "" : "warning: ";
    return severity + (d.path().isEmpty() ? "" : d.path() + ": ") + d.message();
  }

  private void writeStatus(GenericKubernetesResource peaPod, String pod, boolean deleting,
      Optional<DesiredState> desired, Optional<PodStatus> now, Outcome outcome) {
    try {
      writer.writeStatus(peaPod, StatusReport.of(PeaPods.generation(peaPod), node, pod, deleting, desired, now,
          outcome, writer.conditions(peaPod), clock.instant()));
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }

  private void resyncQuietly() {
    try {
      resync();
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "resync of node " + node + " failed: " + e.getMessage(), e);
    }
  }

  /**
   * Looks at every PeaPod of this node and every pod of the home at once, as the controller's
   * drift check does for its sources: the actual state is read once (or the last read is used,
   * while the provider announced no change, no pass ran since and the drift interval has not gone
   * by: a resync of unchanged PeaPods then reads no file), each PeaPod's spec is parsed only when
   * its spec, labels or annotations changed, each is planned against that one actual state, and only
   * PeaPods that need a pass are queued: a planned change, a generation or pod state their status
   * does not show yet, a deletion, or no pass yet. Then orphans are removed. (An informer's own
   * resync would queue every PeaPod for a pass of its own: an engine, a parse, a read of the whole
   * actual state and two inspections each.)
   *
   * @return how many PeaPods were queued
   */
  public int resync() {
    return resync(false);
  }

  /**
   * A resync that reads every pod's state afresh, as every resync did before they planned against
   * the last read (the benchmark's baseline; the drift interval makes one of these now and then).
   */
  public int resyncFromAFreshRead() {
    return resync(true);
  }

  private int resync(boolean fresh) {
    if (!synced()) {
      return 0;
    }
    int queued = 0;
    try (Engine engine = engines.get()) {
      ActualState actual = actual(engine, fresh);
      for (GenericKubernetesResource peaPod : informer.getStore().list()) {
        if (needsAPass(engine, actual, peaPod)) {
          queue.add(PeaPods.key(peaPod));
          queued++;
        }
      }
      removeOrphans(engine, actual);
    }
    return queued;
  }

  /**
   * The state the last resync read while nothing can have changed it unseen: the provider's events
   * are heard, none came and no pass ran since, no pass is under way, and the read is younger than
   * the drift interval. Otherwise a fresh read, which becomes the cache.
   */
  private ActualState actual(Engine engine, boolean fresh) {
    CachedActual cached = cachedActual;
    if (!fresh && watching && cached != null && cached.changes() == actualChanges.get() && passesUnderWay.get() == 0
        && cached.readAt().plus(driftInterval).isAfter(clock.instant())) {
      return cached.actual();
    }
    long changes = actualChanges.get();
    Instant readAt = clock.instant();
    metrics.actualRead("resync");
    ActualState actual = engine.actual();
    cachedActual = new CachedActual(actual, readAt, changes);
    return actual;
  }

  private boolean needsAPass(Engine engine, ActualState actual, GenericKubernetesResource peaPod) {
    String key = PeaPods.key(peaPod);
    Seen last = seen.get(key);
    if (last == null || last.generation() != PeaPods.generation(peaPod) || PeaPods.deleting(peaPod)
        || !PeaPods.hasFinalizer(peaPod)) {
      return true;
    }
    KubernetesSource source = new KubernetesSource(peaPod);
    String pod = source.podName();
    Optional<PodState> state = Optional.ofNullable(actual.pods().get(pod)).flatMap(ActualPod::state);
    sawPod(key, state.isPresent());
    if (!state.equals(last.state())) {
      return true;
    }
    Parsed spec = parsed.get(key);
    SpecVersion version = SpecVersion.of(peaPod);
    if (spec == null || !spec.version().equals(version)) {
      try {
        // Read with the ConfigMaps it names, as a pass reads it (and they stay watched).
        spec = new Parsed(version, new KubernetesSource(peaPod, configs.forPass(key)).read(), null);
      } catch (ManifestRejectedException e) {
        spec = new Parsed(version, null, e);
      }
      parsed.put(key, spec);
    }
    if (spec.rejected() != null) {
      return false; // reported at this generation already; nothing on the node changes for it
    }
    Plan plan = engine.planOne(spec.snapshot(), pod, new PlanOptions(Set.of(), false, 0, source.owner(), false),
        actual);
    return plan.hasChanges() || !plan.conflicts().isEmpty() || plan.refusal().isPresent();
  }

  private void removeOrphansQuietly() {
    if (!synced()) {
      return;
    }
    try (Engine engine = engines.get()) {
      metrics.actualRead("orphans");
      removeOrphans(engine, engine.actual());
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "looking for orphaned pods failed: " + e.getMessage(), e);
    }
  }

  /**
   * Removes pods whose PeaPod is gone or bound to another node. Only after the informer synced,
   * and only for what the API server itself says is gone: never from a cache alone.
   */
  private void removeOrphans(Engine engine, ActualState actual) {
    for (ActualPod pod : actual.pods().values()) {
      Optional<String> owner = pod.record().map(AppliedRecord::managedBy).filter(o -> o.startsWith("k8s:"));
      if (owner.isEmpty() || informer.getStore().getByKey(owner.get().substring(4)) != null) {
        continue;
      }
      String[] key = owner.get().substring(4).split("/", 2);
      if (key.length != 2) {
        continue;
      }
      GenericKubernetesResource live = client.genericKubernetesResources(PeaPods.CONTEXT).inNamespace(key[0])
          .withName(key[1]).get();
      if (live != null && node.equals(live.getMetadata().getLabels() == null ? null
          : live.getMetadata().getLabels().get(PeaPods.NODE_LABEL))) {
        continue; // bound here after all: the cache is behind
      }
      PlanOptions options = new PlanOptions(Set.of(), true, 0, owner.get(), false);
      ReconcileResult result = new PodReconciler(engine).reconcile(pod.name(),
          new DesiredSnapshot("orphan", List.of(), List.of()), options, PodReconciler.ChangeGate.OPEN,
          ApplyListener.NONE);
      actualChanges.incrementAndGet();
      LOG.log(System.Logger.Level.INFO, "pod " + pod.name() + " of " + owner.get() + ", which "
          + (live == null ? "no longer exists" : "is bound to another node") + ": " + result);
      if (live != null && result instanceof ReconcileResult.Converged c && c.applied().isPresent()) {
        events.normal(live, "Removed", "removed from node " + node + ": the PeaPod is bound to another node");
      }
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

  private static String message(Throwable e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }
}
