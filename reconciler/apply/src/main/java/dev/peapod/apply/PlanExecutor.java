package dev.peapod.apply;

import dev.peapod.manifest.model.DesiredState;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.plan.Action;
import dev.peapod.plan.Change;
import dev.peapod.plan.DesiredPod;
import dev.peapod.plan.Plan;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.PodStatus;
import dev.peapod.provider.Provider;
import dev.peapod.provider.RecreateRequiredException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Carries out a plan through a provider.
 *
 * <p>Removals and stops run first (they free host ports and memory), then everything else; within
 * each phase independent pods run in parallel, at most {@code parallelism} at once. One pod's
 * failure does not stop the others. Before each provider call the pod's applied record is marked
 * with the change under way and after it the record holds the new spec, so a crash or a failure
 * at any point leaves the pod in a state the next plan shows and repairs. {@link #interrupt()}
 * (Ctrl-C) lets running changes finish and starts no new ones.
 */
public final class PlanExecutor {

  private final Provider provider;
  private final PodRecords records;
  private final PodSpecFactory specs;
  private final PodLocks locks;
  private final int parallelism;
  private final ApplyListener listener;
  private final Clock clock;
  private final AtomicBoolean interrupted = new AtomicBoolean();

  public PlanExecutor(Provider provider, AppliedRecordStore records, PodSpecFactory specs, PodLocks locks,
      int parallelism, ApplyListener listener, Clock clock) {
    if (parallelism < 1) {
      throw new IllegalArgumentException("parallelism must be at least 1, got " + parallelism);
    }
    this.provider = provider;
    this.records = new PodRecords(records, clock);
    this.specs = specs;
    this.locks = locks;
    this.parallelism = parallelism;
    this.listener = listener;
    this.clock = clock;
  }

  /** Starts no new change; changes already running finish. Safe to call from a signal handler thread. */
  public void interrupt() {
    interrupted.set(true);
  }

  public boolean interrupted() {
    return interrupted.get();
  }

  /**
   * Applies a plan that was just made or whose revision was checked (see {@link #checkFresh}).
   * Returns once every change has ended; never throws for a pod's failure.
   */
  public ApplyResult apply(Plan plan) {
    if (plan.refusal().isPresent()) {
      throw new IllegalArgumentException(plan.refusal().get());
    }
    List<Change> first = new ArrayList<>();
    List<Change> then = new ArrayList<>();
    for (Change c : plan.changes()) {
      (c.action() == Action.REMOVE || c.action() == Action.STOP ? first : then).add(c);
    }
    List<Outcome> outcomes = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(parallelism, Math.max(1, plan.changes().size())),
        r -> {
          Thread t = new Thread(r, "apply");
          t.setDaemon(true);
          return t;
        });
    try {
      outcomes.addAll(runAll(pool, first, plan.owner()));
      outcomes.addAll(runAll(pool, then, plan.owner()));
    } finally {
      pool.shutdownNow();
    }
    List<Outcome> inPlanOrder = new ArrayList<>();
    for (Change c : plan.changes()) {
      outcomes.stream().filter(o -> o.change() == c).findFirst().ifPresent(inPlanOrder::add);
    }
    return new ApplyResult(inPlanOrder);
  }

  /** @throws StalePlanException if {@code currentRevision} is not the one the plan was made against */
  public static void checkFresh(Plan plan, String currentRevision) {
    if (!plan.stateRevision().equals(currentRevision)) {
      throw new StalePlanException(plan.stateRevision(), currentRevision);
    }
  }

  private List<Outcome> runAll(ExecutorService pool, List<Change> changes, String owner) {
    List<Future<Outcome>> futures = new ArrayList<>();
    for (Change c : changes) {
      futures.add(pool.submit(() -> run(c, owner)));
    }
    List<Outcome> out = new ArrayList<>();
    for (int i = 0; i < futures.size(); i++) {
      try {
        out.add(futures.get(i).get());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        interrupt();
        out.add(new Outcome(changes.get(i), Outcome.Status.NOT_STARTED, Duration.ZERO, "interrupted"));
      } catch (ExecutionException e) {
        out.add(new Outcome(changes.get(i), Outcome.Status.FAILED, Duration.ZERO, message(e.getCause()),
            Optional.of(e.getCause())));
      }
    }
    return out;
  }

  private Outcome run(Change change, String owner) {
    if (interrupted.get()) {
      Outcome skipped = new Outcome(change, Outcome.Status.NOT_STARTED, Duration.ZERO, "apply was interrupted");
      listener.finished(skipped);
      return skipped;
    }
    listener.started(change);
    Instant start = clock.instant();
    Outcome outcome;
    try (AutoCloseable lock = locks.lock(change.pod())) {
      carryOut(change, owner);
      outcome = new Outcome(change, Outcome.Status.DONE, Duration.between(start, clock.instant()), "");
    } catch (Exception e) {
      outcome = new Outcome(change, Outcome.Status.FAILED, Duration.between(start, clock.instant()), message(e),
          Optional.of(e));
    }
    listener.finished(outcome);
    return outcome;
  }

  private void carryOut(Change change, String owner) {
    String pod = change.pod();
    switch (change.action()) {
      case CREATE -> {
        begin(change, owner);
        create(change);
        done(change, owner);
      }
      case START -> {
        begin(change, owner);
        step(change, "booting");
        provider.start(pod, SecretInputs.of(desired(change).manifest()));
        done(change, owner);
      }
      case REPLACE -> {
        begin(change, owner);
        PodSpec spec = spec(change);
        step(change, "replacing containers");
        try {
          provider.replace(pod, spec, SecretInputs.of(desired(change).manifest()));
        } catch (RecreateRequiredException e) {
          // Nothing changed in the VM; the marker makes the next plan recreate the pod.
          records.begin(pod, Action.RECREATE, owner, change.source());
          throw e;
        }
        done(change, owner);
      }
      case UPDATE -> done(change, owner);
      case REFRESH -> {
        begin(change, owner);
        PodSpec spec = spec(change);
        step(change, "writing files in place");
        try {
          provider.updateFiles(pod, spec, SecretInputs.of(desired(change).manifest()));
        } catch (UnsupportedOperationException e) {
          step(change, "replacing containers (" + e.getMessage() + ")");
          provider.replace(pod, spec, SecretInputs.of(desired(change).manifest()));
        }
        done(change, owner);
      }
      case RECREATE -> {
        begin(change, owner);
        if (provider.inspect(pod).isPresent()) {
          step(change, "removing the old pod");
          provider.remove(pod, grace(change));
        }
        create(change);
        done(change, owner);
      }
      case STOP -> {
        begin(change, owner);
        step(change, "stopping");
        provider.stop(pod, grace(change));
        done(change, owner);
      }
      case REMOVE -> {
        begin(change, owner);
        if (provider.inspect(pod).isPresent()) {
          step(change, "removing");
          provider.remove(pod, grace(change));
        }
        records.removed(pod);
      }
    }
  }

  private void create(Change change) {
    PodSpec spec = spec(change);
    step(change, "creating");
    provider.create(spec);
    if (change.targetState().orElse(DesiredState.RUNNING) == DesiredState.RUNNING) {
      step(change, "booting");
      provider.start(change.pod(), SecretInputs.of(desired(change).manifest()));
    }
  }

  private PodSpec spec(Change change) {
    PodManifest manifest = desired(change).manifest();
    step(change, "preparing images");
    return specs.specFor(manifest, line -> step(change, line));
  }

  private Duration grace(Change change) {
    if (change.desired().isPresent()) {
      return Duration.ofSeconds(change.desired().get().manifest().spec().terminationGracePeriodSeconds());
    }
    return provider.inspect(change.pod()).map(PodStatus::spec).map(PodSpec::terminationGracePeriod)
        .orElse(Duration.ofSeconds(30));
  }

  private void begin(Change change, String owner) {
    records.begin(change.pod(), change.action(), owner, change.source());
  }

  /** The record after success: the desired spec, owned by the plan's source from now on. */
  private void done(Change change, String owner) {
    records.done(desired(change), owner);
  }

  private static DesiredPod desired(Change change) {
    return change.desired().orElseThrow(
        () -> new IllegalStateException(change.action().verb() + " of " + change.pod() + " without a manifest"));
  }

  private void step(Change change, String what) {
    listener.step(change, what);
  }

  private static String message(Throwable e) {
    if (e instanceof RecreateRequiredException) {
      return "the running VM cannot take this change (" + e.getMessage()
          + "); nothing was changed, and the next plan recreates the pod";
    }
    String text = e.getMessage();
    return text == null || text.isBlank() ? e.getClass().getSimpleName() : text;
  }
}
