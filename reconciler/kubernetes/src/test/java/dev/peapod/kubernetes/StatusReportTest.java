package dev.peapod.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.kubernetes.crd.PeaPodStatus;
import dev.peapod.manifest.model.DesiredState;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StatusReportTest {

  private static final Instant T1 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Instant T2 = Instant.parse("2026-01-01T00:05:00Z");

  private static String condition(PeaPodStatus status, String type, String field) {
    Condition c = status.conditions.stream().filter(x -> x.getType().equals(type)).findFirst().orElseThrow();
    return switch (field) {
      case "status" -> c.getStatus();
      case "reason" -> c.getReason();
      case "message" -> c.getMessage();
      default -> c.getLastTransitionTime();
    };
  }

  @Test
  void aStalledSpecIsFailedNotReadyAndStalledWithItsDiagnostics() {
    PeaPodStatus status = StatusReport.of(4, "node-a", "prod--web", false, Optional.empty(), Optional.empty(),
        new StatusReport.Outcome.Stalled("InvalidSpec", "spec.state: bad", List.of("spec.state: bad")), List.of(), T1);
    assertEquals(4L, status.observedGeneration);
    assertEquals("Failed", status.phase);
    assertEquals(List.of("spec.state: bad"), status.diagnostics);
    assertEquals("False", condition(status, "Ready", "status"));
    assertEquals("InvalidSpec", condition(status, "Ready", "reason"));
    assertEquals("True", condition(status, "Stalled", "status"));
    assertEquals("False", condition(status, "Reconciling", "status"));
    assertEquals("True", condition(status, "Scheduled", "status"));
    assertNull(status.ready, "no pod, no containers to count");
    assertTrue(status.conditions.stream().allMatch(c -> c.getObservedGeneration() == 4));
  }

  @Test
  void aConditionKeepsItsTransitionTimeWhileItStaysTheSame() {
    PeaPodStatus first = StatusReport.of(1, "node-a", "p", false, Optional.of(DesiredState.RUNNING), Optional.empty(),
        new StatusReport.Outcome.Failing("ReconciliationFailed", "create failed: x"), List.of(), T1);
    PeaPodStatus second = StatusReport.of(2, "node-a", "p", false, Optional.of(DesiredState.RUNNING),
        Optional.empty(), new StatusReport.Outcome.Failing("ReconciliationFailed", "create failed: y"),
        first.conditions, T2);
    assertEquals(T1.toString(), condition(second, "Scheduled", "time"), "unchanged: kept");
    assertEquals(T2.toString(), condition(second, "Ready", "time"), "new message: now");
    assertEquals("True", condition(second, "Reconciling", "status"));
    assertEquals("ProgressingWithRetry", condition(second, "Reconciling", "reason"));
  }

  @Test
  void aDeletedPeaPodIsTerminating() {
    PeaPodStatus status = StatusReport.of(1, "node-a", "p", true, Optional.empty(), Optional.empty(),
        new StatusReport.Outcome.Converged(), List.of(), T1);
    assertEquals("Terminating", status.phase);
    assertEquals("Terminating", condition(status, "Ready", "reason"));
    assertEquals("True", condition(status, "Reconciling", "status"));
    assertFalse(status.conditions.isEmpty());
  }

  @Test
  void onlyStatusWritesDoNotCauseAPass() {
    GenericKubernetesResource before = resource("1", 1L, Map.of("a", "b"));
    assertTrue(NodeAgent.worthAPass(before, resource("1", 1L, Map.of("a", "b"))), "a resync");
    assertFalse(NodeAgent.worthAPass(before, resource("2", 1L, Map.of("a", "b"))), "a status write");
    assertTrue(NodeAgent.worthAPass(before, resource("2", 2L, Map.of("a", "b"))), "a spec change");
    assertTrue(NodeAgent.worthAPass(before, resource("2", 1L, Map.of("a", "c"))), "a label change");
  }

  private static GenericKubernetesResource resource(String resourceVersion, long generation,
      Map<String, String> labels) {
    GenericKubernetesResource r = new GenericKubernetesResource();
    r.setMetadata(new ObjectMetaBuilder().withName("web").withNamespace("prod").withResourceVersion(resourceVersion)
        .withGeneration(generation).withLabels(labels).build());
    return r;
  }
}
