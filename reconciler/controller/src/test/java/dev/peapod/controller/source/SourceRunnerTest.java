package dev.peapod.controller.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.controller.config.ControllerConfig.SourceConfig;
import dev.peapod.engine.ManifestRejectedException;
import dev.peapod.engine.source.DesiredSnapshot;
import dev.peapod.engine.source.DesiredStateSource;
import dev.peapod.manifest.diag.Diagnostic;
import dev.peapod.manifest.diag.Severity;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A source's status as Flux tells it, and what a broken or rolled-back revision leaves applied. */
class SourceRunnerTest {

  /** Reads that return the queued snapshots (or throw the queued rejections) in order. */
  private static final class Scripted implements DesiredStateSource {
    final Deque<Object> reads = new ArrayDeque<>();

    @Override
    public String owner() {
      return "dir:/srv/pods";
    }

    @Override
    public DesiredSnapshot read() {
      Object next = reads.removeFirst();
      if (next instanceof RuntimeException e) {
        throw e;
      }
      return (DesiredSnapshot) next;
    }
  }

  private static SourceConfig config(Duration minReady) {
    return new SourceConfig() {
      public String url() { return "dir:/srv/pods"; }
      public Duration interval() { return Duration.ofMinutes(1); }
      public Duration retryInterval() { return Duration.ofSeconds(10); }
      public Duration timeout() { return Duration.ofMinutes(2); }
      public boolean suspend() { return false; }
      public boolean prune() { return true; }
      public int maxRemovals() { return 5; }
      public Duration minReady() { return minReady; }
      public Duration progressDeadline() { return Duration.ofSeconds(60); }
      public Optional<String> webhookSecretFile() { return Optional.empty(); }
      public Optional<String> tokenFile() { return Optional.empty(); }
      public Optional<String> basicAuth() { return Optional.empty(); }
      public Optional<String> sshKeyFile() { return Optional.empty(); }
      public Optional<String> knownHostsFile() { return Optional.empty(); }
    };
  }

  private static DesiredSnapshot revision(String name) {
    return new DesiredSnapshot(name, List.of(), List.of());
  }

  private final Scripted reads = new Scripted();

  private SourceRunner runner(Duration minReady) {
    return new SourceRunner("pods", config(minReady), SourceLocation.parse("dir:/srv/pods"), reads, Clock.systemUTC());
  }

  @Test
  void aBrokenRevisionKeepsTheLastGoodOneAndSaysWhy() {
    SourceRunner source = runner(Duration.ZERO);
    reads.reads.add(revision("r1"));
    reads.reads.add(new ManifestRejectedException(List.of(new Diagnostic(Severity.ERROR, "pods/web.yaml", 5, 3,
        "spec.containers[0].colour", "unknown field")), "main@sha1:bad"));
    source.sync();
    source.planned(Set.of());
    assertEquals("True", source.status().condition("Ready").status());
    assertEquals("r1", source.status().lastAppliedRevision());
    assertTrue(source.sync().isEmpty());
    var status = source.status();
    assertEquals("r1", source.lastGood().orElseThrow().revision());
    assertEquals("main@sha1:bad", status.lastAttemptedRevision());
    assertEquals("False", status.condition("Ready").status());
    assertEquals("ValidationFailed", status.condition("Ready").reason());
    assertEquals(List.of("pods/web.yaml:5:3: spec.containers[0].colour: unknown field"), status.diagnostics());

    // Pods of the last good revision still converging (a resync, a retry) leave Ready saying the newest is invalid:
    // it said Progressing until they had, which GitSourceIT caught once in CI.
    source.planned(Set.of("web"));
    assertEquals("ValidationFailed", source.status().condition("Ready").reason());
    assertEquals("True", source.status().condition("Reconciling").status());
    source.converged("web");
    assertEquals("ValidationFailed", source.status().condition("Ready").reason());
  }

  /**
   * r2 is read while its pods converge, then broken r3 arrives before they have: r2 is still
   * applied once they converge (lastAppliedRevision said r1 until a valid revision came), and
   * neither a stalled pod nor a pod's retry makes Ready forget that the newest revision is invalid.
   */
  @Test
  void aBrokenRevisionReadMidConvergenceStillLetsTheGoodOneCountAsApplied() {
    SourceRunner source = runner(Duration.ZERO);
    reads.reads.add(revision("r1"));
    reads.reads.add(revision("r2"));
    reads.reads.add(new ManifestRejectedException(List.of(new Diagnostic(Severity.ERROR, "pods/web.yaml", 5, 3,
        "spec.containers[0].colour", "unknown field")), "r3"));
    source.sync();
    source.planned(Set.of());
    source.sync();
    source.planned(Set.of("web", "db", "cache"));
    assertTrue(source.sync().isEmpty());

    source.retrying("web", "QEMU exited");
    assertEquals("ValidationFailed", source.status().condition("Ready").reason(), "a retry does not hide it");
    assertEquals("ProgressingWithRetry", source.status().condition("Reconciling").reason());
    source.stalled("db", "claimed by dir:/other too");
    assertEquals("ValidationFailed", source.status().condition("Ready").reason(), "a stalled pod does not hide it");
    assertEquals("ValidationFailed", source.status().condition("Stalled").reason());
    source.converged("db");
    source.converged("web");
    source.converged("cache");
    var status = source.status();
    assertEquals("r2", status.lastAppliedRevision(), "r2's pods all converged");
    assertEquals("ValidationFailed", status.condition("Ready").reason());
    assertTrue(status.condition("Ready").message().contains("revision r3 is invalid (1 diagnostics); applied r2"),
        status.condition("Ready").message());
    assertEquals("False", status.condition("Reconciling").status());

    reads.reads.add(revision("r4"));
    source.sync();
    source.planned(Set.of());
    assertEquals("ReconciliationSucceeded", source.status().condition("Ready").reason());
    assertEquals("False", source.status().condition("Stalled").status());
    assertEquals("r4", source.status().lastAppliedRevision());
  }

  @Test
  void aFailedHealthGatePutsThePreviousRevisionBackAndIgnoresTheFailedOneUntilANewerComes() {
    SourceRunner source = runner(Duration.ofSeconds(3));
    reads.reads.addAll(List.of(revision("r1"), revision("r2"), revision("r2"), revision("r3")));
    source.sync();
    assertFalse(source.canRollBack(), "nothing to go back to yet");
    source.sync();
    assertTrue(source.canRollBack());
    assertTrue(source.rollBack("pod web did not run for 3 s within 60 s: a container restarted"));
    assertEquals("r1", source.lastGood().orElseThrow().revision());
    assertEquals("HealthCheckFailed", source.status().condition("Ready").reason());
    source.sync(); // r2 again: ignored
    assertEquals("r1", source.lastGood().orElseThrow().revision());
    source.sync(); // r3: newer, taken
    assertEquals("r3", source.lastGood().orElseThrow().revision());
  }

  @Test
  void withoutAMinimumReadyTimeNothingIsGated() {
    SourceRunner source = runner(Duration.ZERO);
    reads.reads.addAll(List.of(revision("r1"), revision("r2")));
    source.sync();
    source.sync();
    assertFalse(source.canRollBack());
  }
}
