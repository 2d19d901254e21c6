package dev.peapod.controller.source;

import dev.peapod.controller.config.ControllerConfig.SourceConfig;
import dev.peapod.engine.ManifestRejectedException;
import dev.peapod.engine.source.DesiredSnapshot;
import dev.peapod.engine.source.DesiredStateSource;
import dev.peapod.manifest.diag.Diagnostic;
import dev.peapod.plan.PlanOptions;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One source as the controller keeps it: how to read it, the last snapshot that read well (what its
 * pods are converged to), and its status as Flux tells it: conditions {@code Ready},
 * {@code Reconciling} and {@code Stalled}, {@code lastAttemptedRevision} next to
 * {@code lastAppliedRevision}, and every diagnostic of a broken revision.
 *
 * <p>A read that fails keeps the last good snapshot: a broken commit or directory changes nothing.
 */
public final class SourceRunner {

  private final String name;
  private final SourceConfig config;
  private final SourceLocation location;
  private final DesiredStateSource reader;
  private final Clock clock;

  private volatile Optional<DesiredSnapshot> lastGood = Optional.empty();
  /** The good snapshot before {@link #lastGood}: what a failed health gate puts back. */
  private volatile Optional<DesiredSnapshot> previousGood = Optional.empty();
  /** A revision whose change failed its health gate: not applied again until a newer one comes. */
  private volatile String failedRevision = "";
  private volatile String failedBecause = "";
  private volatile boolean suspended;
  private volatile boolean syncedOnce;
  /** Pods of the last good snapshot that were planned to change and have not converged yet. */
  private final Set<String> pending = ConcurrentHashMap.newKeySet();
  private final Map<String, String> stalledPods = new ConcurrentHashMap<>();
  private String lastAttemptedRevision = "";
  private String lastAppliedRevision = "";
  /** The newest read was refused as invalid ({@link #lastAttemptedRevision}); cleared by a valid read. */
  private boolean rejected;
  private Instant lastSyncTime;
  private long failures;
  private List<String> diagnostics = List.of();
  private final Map<String, Condition> conditions = new LinkedHashMap<>();

  public SourceRunner(String name, SourceConfig config, SourceLocation location, DesiredStateSource reader,
      Clock clock) {
    this.name = name;
    this.config = config;
    this.location = location;
    this.reader = reader;
    this.clock = clock;
    this.suspended = config.suspend();
    Instant now = clock.instant();
    conditions.put("Ready", new Condition("Ready", "Unknown", "Progressing", "not read yet", now));
    conditions.put("Reconciling", new Condition("Reconciling", "True", "Progressing", "not read yet", now));
    conditions.put("Stalled", new Condition("Stalled", "False", "", "", now));
  }

  public String name() {
    return name;
  }

  public SourceConfig config() {
    return config;
  }

  public SourceLocation location() {
    return location;
  }

  public String owner() {
    return reader.owner();
  }

  /** The owner, prune guards and take-over of this source's plans. */
  public PlanOptions planOptions() {
    // prune: false is a removal limit of nothing that no flag lifts: the planner removes nothing
    // it cannot, and the refusal says why.
    return new PlanOptions(Set.of(), false, config.prune() ? config.maxRemovals() : 0, owner(), false);
  }

  public Optional<DesiredSnapshot> lastGood() {
    return lastGood;
  }

  public boolean suspended() {
    return suspended;
  }

  public void suspend(boolean value) {
    suspended = value;
  }

  public boolean syncedOnce() {
    return syncedOnce;
  }

  /**
   * Reads the source. On success the snapshot becomes the one pods converge to; on failure the
   * last good one stays, and the status says why with every diagnostic.
   *
   * @return the new snapshot, or empty when the read failed
   */
  public Optional<DesiredSnapshot> sync() {
    Instant now = clock.instant();
    try {
      DesiredSnapshot snapshot = reader.read();
      synchronized (this) {
        lastSyncTime = now;
        syncedOnce = true;
        rejected = false;
        if (snapshot.revision().equals(failedRevision)) {
          lastAttemptedRevision = snapshot.revision();
          set("Ready", "False", "HealthCheckFailed", failedBecause);
          set("Stalled", "True", "HealthCheckFailed", "waiting for a revision newer than " + failedRevision);
          return lastGood;
        }
        if (lastGood.isPresent() && !lastGood.get().revision().equals(snapshot.revision())) {
          previousGood = lastGood;
        }
        lastGood = Optional.of(snapshot);
        lastAttemptedRevision = snapshot.revision();
        lastSyncTime = now;
        diagnostics = snapshot.warnings().stream().map(Diagnostic::toString).toList();
        syncedOnce = true;
      }
      return Optional.of(snapshot);
    } catch (ManifestRejectedException e) {
      synchronized (this) {
        failures++;
        lastSyncTime = now;
        lastAttemptedRevision = revisionOf(e);
        diagnostics = e.diagnostics().stream().map(Diagnostic::toString).toList();
        syncedOnce = true;
        rejected = true;
        sayRejected();
        set("Reconciling", "False", "ValidationFailed", "");
      }
      return Optional.empty();
    } catch (RuntimeException e) {
      synchronized (this) {
        failures++;
        lastSyncTime = now;
        diagnostics = List.of(String.valueOf(e.getMessage()));
        set("Ready", "False", "ArtifactFailed", String.valueOf(e.getMessage()));
        set("Reconciling", "True", "ArtifactFailed", "retrying in " + config.retryInterval());
      }
      return Optional.empty();
    }
  }

  private static String revisionOf(ManifestRejectedException e) {
    return e.revision().isEmpty() ? "(the current content)" : e.revision();
  }

  /**
   * The change of the last good revision failed its health gate: the previous good revision is
   * put back, and this one is not applied again (its later reads are ignored) until a newer
   * revision arrives.
   *
   * @return whether there was a previous revision to put back
   */
  public synchronized boolean rollBack(String because) {
    if (previousGood.isEmpty() || lastGood.isEmpty()) {
      return false;
    }
    failedRevision = lastGood.get().revision();
    failedBecause = "revision " + failedRevision + " rolled back to " + previousGood.get().revision() + ": " + because;
    lastGood = previousGood;
    previousGood = Optional.empty();
    lastAppliedRevision = lastGood.get().revision();
    set("Ready", "False", "HealthCheckFailed", failedBecause);
    set("Stalled", "True", "HealthCheckFailed", "waiting for a revision newer than " + failedRevision);
    return true;
  }

  /** Whether a change of this source's pods can be health-gated: there is a revision to go back to. */
  public boolean canRollBack() {
    return previousGood.isPresent() && config.minReady().compareTo(java.time.Duration.ZERO) > 0;
  }

  /** The plan of the last good snapshot: these pods are to change; the source is Ready when none is left. */
  public synchronized void planned(Set<String> changing) {
    pending.clear();
    pending.addAll(changing);
    pending.removeAll(stalledPods.keySet());
    settle();
  }

  /** {@code pod} converged to the last good snapshot. */
  public synchronized void converged(String pod) {
    pending.remove(pod);
    stalledPods.remove(pod);
    settle();
  }

  /** {@code pod} cannot converge until the source changes. */
  public synchronized void stalled(String pod, String message) {
    pending.remove(pod);
    stalledPods.put(pod, message);
    settle();
  }

  /** {@code pod} failed and will be retried. */
  public synchronized void retrying(String pod, String message) {
    set("Ready", "False", "ReconciliationFailed", "pod " + pod + ": " + message);
    set("Reconciling", "True", "ProgressingWithRetry", "pod " + pod + " is retried with backoff");
    if (rejected) {
      sayRejected(); // the source being broken outranks one pod's retry
    }
  }

  /** Ready and Stalled say that the newest revision read is invalid, and what is applied meanwhile. */
  private void sayRejected() {
    set("Ready", "False", "ValidationFailed", "revision " + lastAttemptedRevision + " is invalid ("
        + diagnostics.size() + " diagnostics); " + (pending.isEmpty() && stalledPods.isEmpty()
            ? "applied " + orNone(lastAppliedRevision) : "still applying " + orNone(lastAppliedRevision)));
    set("Stalled", "True", "ValidationFailed", diagnostics.isEmpty() ? "" : diagnostics.get(0));
  }

  /**
   * Conditions from the pods' progress towards the last good revision; when the newest revision read
   * was invalid, Ready and Stalled say that last, whatever the pods did (a stalled pod, a retry, pods
   * converging), until a valid revision is read.
   */
  private void settle() {
    settlePods();
    if (rejected) {
      sayRejected();
    }
  }

  private void settlePods() {
    // After a failed health gate, Ready keeps saying so until a newer revision comes.
    boolean gateFailed = !failedRevision.isEmpty() && lastAttemptedRevision.equals(failedRevision);
    if (!stalledPods.isEmpty()) {
      Map.Entry<String, String> first = stalledPods.entrySet().iterator().next();
      set("Ready", "False", "ReconciliationStalled", "pod " + first.getKey() + ": " + first.getValue());
      set("Stalled", "True", "ReconciliationStalled", "pod " + first.getKey() + ": " + first.getValue());
      set("Reconciling", pending.isEmpty() ? "False" : "True", "Progressing", pending.size() + " pods changing");
      return;
    }
    if (!pending.isEmpty()) {
      // Pods of the last good revision still converging do not make Ready forget that the newest revision
      // is invalid (ValidationFailed stays until a valid one is read), nor that a health gate failed.
      if (!gateFailed && !rejected) {
        set("Ready", "Unknown", "Progressing", pending.size() + " pods changing");
      }
      set("Reconciling", "True", "Progressing", "applying " + lastGood.map(DesiredSnapshot::revision).orElse(""));
      return;
    }
    if (lastGood.isEmpty()) {
      return;
    }
    // Every pod converged to the last good revision: it is applied, even while a newer one read since is invalid.
    lastAppliedRevision = lastGood.get().revision();
    if (gateFailed) {
      set("Reconciling", "False", "HealthCheckFailed", "");
    } else if (rejected) {
      set("Reconciling", "False", "ValidationFailed", "");
    } else {
      set("Ready", "True", "ReconciliationSucceeded", "applied revision " + lastAppliedRevision);
      set("Reconciling", "False", "ReconciliationSucceeded", "");
      set("Stalled", "False", "", "");
    }
  }

  private void set(String type, String status, String reason, String message) {
    conditions.computeIfPresent(type, (t, c) -> c.update(status, reason, message, clock.instant()));
  }

  private static String orNone(String revision) {
    return revision.isEmpty() ? "nothing yet" : revision;
  }

  /** The status, as the API shows it. */
  public synchronized SourceStatus status() {
    return new SourceStatus(name, config.url(), owner(), suspended, lastAttemptedRevision,
        lastAppliedRevision, lastSyncTime, failures, List.copyOf(diagnostics),
        new ArrayList<>(conditions.values()), lastGood.map(s -> s.pods().size()).orElse(0),
        Map.copyOf(stalledPods));
  }
}
