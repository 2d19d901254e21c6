package dev.peapod.kubernetes;

import dev.peapod.engine.Engine;
import dev.peapod.engine.PodReadiness;
import dev.peapod.manifest.model.DesiredState;
import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.ContainerStatus;
import dev.peapod.provider.PodState;
import dev.peapod.provider.PodStatus;
import dev.peapod.provider.Probe;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Carries readiness changes into PeaPod status between passes, as the kubelet's status manager
 * does for a Pod: the guest runs the probes, but a pass reads the pod only when something else
 * made one due, so a container that turns ready (or stops being ready) without any change of spec
 * or VM would otherwise leave {@code Ready}, {@code ContainersReady} and the READY column as they
 * were, and kstatus health checks (Flux, Argo CD) waiting.
 *
 * <p>The guest says when a container's readiness changes: the provider's
 * {@link dev.peapod.provider.ProviderEvent.Kind#READINESS} event ({@link #nudged}) makes the
 * watch look at that pod at once: its pod is inspected (one round trip to its guest, no plan, no
 * engine pass), and its status is written only when a container's readiness changed. A notice
 * can be missed (it is a hint: the guest drops it while nobody listens, another process may hold
 * the VM's notice port, a VM from before notices sends none), so the watch also polls, as a safety
 * net: after a pass that converged with the pod running, a PeaPod whose app containers or sidecars
 * have a readiness or startup probe is looked at after the shortest such probe's period (1 to
 * 10 s), doubling up to {@link #LONGEST} (the kubelet's own status sync period) while nothing
 * changes; once its own guest has sent a notice while the provider's events are watched
 * ({@link #pushed}), every {@link #LONGEST} only. That is decided pod by pod: a VM from before
 * notices, or one whose notice port another process holds, never sends one and keeps the fast
 * poll. PeaPods without such probes cost nothing here.
 *
 * <p>A look at a PeaPod never runs during a pass over it ({@link #alone}), so it cannot write a
 * status older than the one the pass writes; a look that would wait for a pass is put off to the
 * next round instead, so a long pass (a boot, a pull) holds back no other PeaPod's. A pass forgets what the watch knew and tells it afresh when it converges. A
 * PeaPod whose generation moved, that is being deleted, or whose pod no longer runs is dropped:
 * a pass is due for it anyway (the informer's or the resync's), and that pass decides.
 */
final class ReadinessWatch implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(ReadinessWatch.class.getName());

  /** The longest wait between two looks at one PeaPod (the kubelet syncs pod status every 10 s). */
  static final Duration LONGEST = Duration.ofSeconds(10);
  /** The shortest wait: probes run at most once a second. */
  static final Duration SHORTEST = Duration.ofSeconds(1);
  /** How often the watch wakes up to see which PeaPods are due. */
  private static final Duration TICK = Duration.ofMillis(250);

  /** Writes a converged PeaPod's status from its pod as inspected now. */
  interface StatusWriter {
    void write(GenericKubernetesResource peaPod, String pod, Optional<DesiredState> desired, PodStatus now);
  }

  /**
   * What the watch knows of one PeaPod.
   *
   * @param readiness what {@link #readiness} gave when its status was last written
   * @param interval the wait before the next look
   * @param due when the next look is
   */
  private record Watched(String pod, long generation, Optional<DesiredState> desired, String readiness,
      Duration interval, Instant due) {}

  private final Supplier<Engine> engines;
  private final Function<String, GenericKubernetesResource> cache;
  private final StatusWriter writer;
  private final Clock clock;
  private final Map<String, Watched> watched = new ConcurrentHashMap<>();
  /** Pods whose guest sent a readiness notice, and when; kept a while for a pass under way. */
  private final Map<String, Instant> nudges = new ConcurrentHashMap<>();
  /**
   * When each pod's guest was last asked (a look or a pass): a notice makes a look at most
   * {@link #SHORTEST} after the last, so a guest that sends notices without end (it is hostile
   * input) costs the agent one round trip a second, never a busy loop.
   */
  private final Map<String, Instant> asked = new ConcurrentHashMap<>();
  /** The provider's events are watched: a pod's notices reach {@link #nudged}. */
  private volatile boolean pushed;
  /**
   * Pods whose guest sent a readiness notice while their VM ran: polling them is only the safety
   * net. Forgotten when the pod is found not running (its next VM says so itself again).
   */
  private final java.util.Set<String> noticing = ConcurrentHashMap.newKeySet();
  /**
   * Held by a pass over a PeaPod and by a look at it, by the key's hash: the two never write one
   * PeaPod's status at once. Striped, so that the locks of PeaPods long gone need no clean-up.
   */
  private final ReentrantLock[] stripes = new ReentrantLock[64];
  private ScheduledExecutorService timer;

  /**
   * @param cache the PeaPod of a key as the informer has it now, or null
   * @param writer writes a status as a converged pass would
   */
  ReadinessWatch(Supplier<Engine> engines, Function<String, GenericKubernetesResource> cache, StatusWriter writer,
      Clock clock) {
    this.engines = engines;
    this.cache = cache;
    this.writer = writer;
    this.clock = clock;
    for (int i = 0; i < stripes.length; i++) {
      stripes[i] = new ReentrantLock();
    }
  }

  synchronized void start() {
    timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "peapod-agent-readiness");
      t.setDaemon(true);
      return t;
    });
    timer.scheduleWithFixedDelay(this::lookQuietly, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public synchronized void close() {
    if (timer != null) {
      timer.shutdownNow();
    }
  }

  /** Runs one pass over {@code key} with no look at its readiness meanwhile. */
  void alone(String key, Runnable pass) {
    ReentrantLock lock = stripe(key);
    lock.lock();
    try {
      pass.run();
    } finally {
      lock.unlock();
    }
  }

  private ReentrantLock stripe(String key) {
    return stripes[Math.floorMod(key.hashCode(), stripes.length)];
  }

  /**
   * The provider's events are watched from now on: a pod whose guest sends a notice is polled
   * every {@link #LONGEST} only from then on.
   */
  void pushed(boolean on) {
    pushed = on;
  }

  /** Whether the pod's readiness is pushed to the watch, so that polling it is only a safety net. */
  private boolean notices(String pod) {
    return pushed && noticing.contains(pod);
  }

  /**
   * The guest of {@code pod} said a container's readiness changed: look at its PeaPod now. A pass
   * under way over it learns of it when it converges, so a notice that came during the pass is not
   * lost.
   */
  void nudged(String pod) {
    Instant now = clock.instant();
    nudges.put(pod, now);
    noticing.add(pod);
    Instant last = asked.get(pod);
    Instant at = last == null || !last.plus(SHORTEST).isAfter(now) ? now : last.plus(SHORTEST);
    watched.replaceAll((key, w) -> w.pod().equals(pod) && w.due().isAfter(at)
        ? new Watched(w.pod(), w.generation(), w.desired(), w.readiness(), w.interval(), at) : w);
    if (at.isAfter(now)) {
      return; // too soon after the last look: the timer's round takes it when it is due
    }
    ScheduledExecutorService t;
    synchronized (this) {
      t = timer;
    }
    if (t != null && !t.isShutdown()) {
      try {
        t.execute(this::lookQuietly);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // closing: nothing to look at any more
      }
    }
  }

  /** Stops looking at {@code key} (a pass begins, or the PeaPod is gone). */
  void forget(String key) {
    watched.remove(key);
  }

  /**
   * After a pass that converged and wrote {@code key}'s status from {@code now}: looks again after
   * the probe's period if the pod runs as asked and has containers whose readiness a probe decides.
   */
  void converged(String key, String pod, long generation, Optional<DesiredState> desired, Optional<PodStatus> now) {
    Optional<Duration> period = now.filter(p -> p.state() == PodState.RUNNING)
        .filter(p -> desired.equals(Optional.of(DesiredState.RUNNING))).flatMap(ReadinessWatch::period);
    if (now.isEmpty() || now.get().state() != PodState.RUNNING) {
      noticing.remove(pod); // no VM, or a new one to come: it tells again that it sends notices
    }
    if (period.isEmpty()) {
      watched.remove(key);
      return;
    }
    asked.put(pod, clock.instant());
    Duration wait = notices(pod) ? LONGEST : period.get();
    // A notice that came while the pass ran may be newer than what the pass read: look now.
    Instant due = nudges.remove(pod) != null ? clock.instant() : clock.instant().plus(wait);
    watched.put(key, new Watched(pod, generation, desired, readiness(now.get()), wait, due));
  }

  /** When each PeaPod watched now is looked at next, by key (for tests). */
  Map<String, Instant> dues() {
    return watched.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().due()));
  }

  /** The PeaPods looked at now, by key (for tests). */
  Map<String, Duration> waits() {
    return watched.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().interval()));
  }

  /**
   * The shortest period of the readiness and startup probes of the pod's app containers, within
   * {@link #SHORTEST} and {@link #LONGEST}; empty when none has such a probe (its readiness then
   * changes only with its running state, which the resync watches).
   */
  static Optional<Duration> period(PodStatus pod) {
    List<String> lasting = PodReadiness.lasting(pod);
    return pod.spec().allContainers().stream().filter(c -> lasting.contains(c.name())).map(ContainerSpec::lifecycle)
        .flatMap(l -> java.util.stream.Stream.of(l.readiness(), l.startup()))
        .flatMap(Optional::stream).map(Probe::period).min(Duration::compareTo)
        .map(p -> p.compareTo(SHORTEST) < 0 ? SHORTEST : p.compareTo(LONGEST) > 0 ? LONGEST : p);
  }

  /** The wait after a look that found nothing changed: twice the last, at most {@link #LONGEST}. */
  static Duration backedOff(Duration wait) {
    Duration twice = wait.multipliedBy(2);
    return twice.compareTo(LONGEST) > 0 ? LONGEST : twice;
  }

  /** What the status shows of the pod's readiness: each sidecar and app container, ready or not. */
  static String readiness(PodStatus pod) {
    List<String> apps = PodReadiness.lasting(pod);
    return apps.stream().map(name -> name + "=" + pod.container(name)
        .map(c -> c.state() == ContainerStatus.ContainerState.RUNNING && c.ready()).orElse(false))
        .collect(Collectors.joining(","));
  }

  private void lookQuietly() {
    try {
      look();
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "looking at readiness failed: " + e.getMessage(), e);
    }
  }

  /** One round: every PeaPod that is due and has no pass under way, with one engine. */
  void look() {
    Instant now = clock.instant();
    nudges.values().removeIf(at -> at.plus(LONGEST).isBefore(now)); // of pods no pass will converge
    asked.values().removeIf(at -> at.plus(LONGEST).isBefore(now));
    List<String> due = watched.entrySet().stream().filter(e -> !e.getValue().due().isAfter(now))
        .map(Map.Entry::getKey).toList();
    if (due.isEmpty()) {
      return;
    }
    try (Engine engine = engines.get()) {
      for (String key : due) {
        ReentrantLock lock = stripe(key);
        if (!lock.tryLock()) {
          continue; // a pass is under way: still due, looked at in a later round
        }
        try {
          look(engine, key);
        } catch (RuntimeException e) {
          // The guest or the API server did not answer: try again later, as if nothing changed.
          watched.computeIfPresent(key, (k, w) -> later(w, w.readiness()));
          LOG.log(System.Logger.Level.WARNING, "PeaPod " + key + ": looking at readiness failed: " + e.getMessage());
        } finally {
          lock.unlock();
        }
      }
    }
  }

  private void look(Engine engine, String key) {
    Watched w = watched.get(key);
    if (w == null) {
      return; // a pass forgot it meanwhile
    }
    GenericKubernetesResource peaPod = cache.apply(key);
    if (peaPod == null || PeaPods.deleting(peaPod) || PeaPods.generation(peaPod) != w.generation()) {
      watched.remove(key); // a pass is due, and tells the watch again if it should look
      return;
    }
    asked.put(w.pod(), clock.instant());
    Optional<PodStatus> now = engine.provider().inspect(w.pod()).filter(p -> p.state() == PodState.RUNNING);
    if (now.isEmpty()) {
      watched.remove(key); // its VM ended or was stopped: the resync sees the state changed
      noticing.remove(w.pod());
      return;
    }
    String readiness = readiness(now.get());
    if (!readiness.equals(w.readiness())) {
      writer.write(peaPod, w.pod(), w.desired(), now.get());
      Duration wait = notices(w.pod()) ? LONGEST : period(now.get()).orElse(LONGEST);
      watched.put(key, new Watched(w.pod(), w.generation(), w.desired(), readiness, wait, clock.instant().plus(wait)));
      return;
    }
    watched.put(key, later(w, readiness));
  }

  private Watched later(Watched w, String readiness) {
    Duration wait = notices(w.pod()) ? LONGEST : backedOff(w.interval());
    return new Watched(w.pod(), w.generation(), w.desired(), readiness, wait, clock.instant().plus(wait));
  }
}
