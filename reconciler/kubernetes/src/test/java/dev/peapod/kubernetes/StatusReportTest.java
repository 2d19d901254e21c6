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

  private static dev.peapod.provider.ContainerStatus running(String name, boolean ready) {
    return new dev.peapod.provider.ContainerStatus(name, dev.peapod.provider.ContainerStatus.ContainerState.RUNNING, 7,
        java.util.OptionalInt.empty(), 0, "sha256:1", ready, true, "");
  }

  /**
   * As the kubelet reports a Pod: a sidecar's readiness counts in READY, ContainersReady and Ready
   * as an app container's does, and it is listed in initContainerStatuses, never containerStatuses;
   * an init container that ran to completion is listed there too but counts for nothing.
   */
  @Test
  void aSidecarCountsForReadinessAndIsAnInitContainerStatus() {
    dev.peapod.provider.ImageRootfs image = new dev.peapod.provider.ImageRootfs("sha256:1",
        java.nio.file.Path.of("/images/1"));
    dev.peapod.provider.PodSpec spec = dev.peapod.provider.PodSpec.of("p", List.of(
        dev.peapod.provider.ContainerSpec.of("web", image, List.of("sleep", "1000")))).withInitContainers(List.of(
        dev.peapod.provider.ContainerSpec.of("setup", image, List.of("true")),
        dev.peapod.provider.ContainerSpec.of("proxy", image, List.of("sleep", "1000"))
            .withRestartPolicy(dev.peapod.provider.RestartPolicy.ALWAYS)));
    dev.peapod.provider.ContainerStatus setupDone = new dev.peapod.provider.ContainerStatus("setup",
        dev.peapod.provider.ContainerStatus.ContainerState.EXITED, 0, java.util.OptionalInt.of(0), 0, "sha256:1",
        false, false, "");
    java.util.function.BiFunction<Boolean, Boolean, PeaPodStatus> report = (proxyReady, webReady) ->
        StatusReport.of(1, "node-a", "p", false, Optional.of(DesiredState.RUNNING), Optional.of(
            new dev.peapod.provider.PodStatus("p", dev.peapod.provider.PodState.RUNNING, spec, T1, Optional.empty(),
                List.of(setupDone, running("proxy", proxyReady), running("web", webReady)), "")),
            new StatusReport.Outcome.Converged(), List.of(), T1);

    PeaPodStatus sidecarNotReady = report.apply(false, true);
    assertEquals("1/2", sidecarNotReady.ready);
    assertEquals("False", condition(sidecarNotReady, "Ready", "status"));
    assertEquals("False", condition(sidecarNotReady, "ContainersReady", "status"));
    assertTrue(condition(sidecarNotReady, "ContainersReady", "message").contains("not ready: proxy"),
        condition(sidecarNotReady, "ContainersReady", "message"));
    assertEquals(List.of("web"), sidecarNotReady.containerStatuses.stream().map(c -> c.name).toList());
    assertEquals(List.of("setup", "proxy"), sidecarNotReady.initContainerStatuses.stream().map(c -> c.name).toList());
    assertEquals(false, sidecarNotReady.initContainerStatuses.get(1).ready);

    PeaPodStatus allReady = report.apply(true, true);
    assertEquals("2/2", allReady.ready);
    assertEquals("True", condition(allReady, "Ready", "status"));
    assertEquals("True", condition(allReady, "ContainersReady", "status"));
    assertEquals(true, allReady.initContainerStatuses.get(1).ready);
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
