package dev.peapod.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.engine.ManifestRejectedException;
import dev.peapod.engine.source.DesiredSnapshot;
import dev.peapod.manifest.diag.Diagnostic;
import dev.peapod.manifest.model.DesiredState;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class KubernetesSourceTest {

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private static GenericKubernetesResource peaPod(String yaml) {
    return SERIALIZATION.unmarshal(yaml, GenericKubernetesResource.class);
  }

  private static final String WEB = """
      apiVersion: peapod.dev/v1alpha1
      kind: PeaPod
      metadata:
        name: web
        namespace: prod
        generation: 3
        labels: {app: web, peapod.dev/node: node-a}
        annotations:
          team: blue
          kubectl.kubernetes.io/last-applied-configuration: '{"apiVersion":"peapod.dev/v1alpha1"}'
      spec:
        state: Created
        containers:
          - {name: main, image: busybox, command: [sleep, "1000"]}
      status:
        phase: Running
      """;

  @Test
  void aPeaPodIsOnePodNamedByNamespaceAndNameOwnedByTheResource() {
    KubernetesSource source = new KubernetesSource(peaPod(WEB));
    assertEquals("k8s:prod/web", source.owner());
    assertEquals("prod--web", source.podName());
    DesiredSnapshot snapshot = source.read();
    assertEquals("generation:3", snapshot.revision());
    assertEquals(1, snapshot.pods().size());
    assertEquals("prod--web", snapshot.pods().get(0).name());
    assertEquals(DesiredState.CREATED, snapshot.pods().get(0).state());
    assertEquals("k8s:prod/web", snapshot.pods().get(0).source());
    var metadata = snapshot.pods().get(0).manifest().metadata();
    assertEquals("blue", metadata.annotations().get("team"));
    assertFalse(metadata.annotations().containsKey(KubernetesSource.LAST_APPLIED),
        "kubectl's copy of the object is not part of the pod");
    assertEquals("web", metadata.labels().get("app"));
  }

  @Test
  void aPeaPodBeingDeletedDeclaresNoPod() {
    GenericKubernetesResource deleting = peaPod(WEB);
    deleting.getMetadata().setDeletionTimestamp("2026-01-01T00:00:00Z");
    assertEquals(List.of(), new KubernetesSource(deleting).read().pods());
  }

  @Test
  void everyProblemIsReportedWithItsPathAndTheResourceAsFile() {
    GenericKubernetesResource bad = peaPod(WEB.replace("state: Created", "state: Paused\n  hostNetwork: true"));
    ManifestRejectedException e = assertThrows(ManifestRejectedException.class,
        () -> new KubernetesSource(bad).read());
    List<String> paths = e.diagnostics().stream().map(Diagnostic::path).sorted().toList();
    assertEquals(List.of("spec.hostNetwork", "spec.state"), paths);
    assertTrue(e.diagnostics().stream().allMatch(d -> d.file().equals("k8s:prod/web")));
    assertEquals("generation:3", e.revision());
  }

  @Test
  void aNameThatCannotBeAPodNameOnTheNodeIsRejected() {
    GenericKubernetesResource dotted = peaPod(WEB.replace("name: web", "name: web.v2"));
    ManifestRejectedException e = assertThrows(ManifestRejectedException.class,
        () -> new KubernetesSource(dotted).read());
    assertEquals("metadata.name", e.diagnostics().get(0).path());
    assertTrue(e.diagnostics().get(0).message().contains("\"prod--web.v2\""), e.getMessage());
    assertTrue(PeaPods.podNameProblem("a".repeat(40), "b".repeat(22)).isPresent(), "64 characters");
    assertTrue(PeaPods.podNameProblem("a".repeat(40), "b".repeat(21)).isEmpty(), "63 characters");
  }

  /**
   * Attack: a PeaPod names a relative hostPath. A file's relative paths are under the file's
   * directory; a custom resource has none, and must not be lent the agent's working directory
   * (as "k8s:prod/web" taken for a file path would: ./k8s:prod/).
   */
  @Test
  void aRelativeHostPathDoesNotReachTheAgentsWorkingDirectory() throws Exception {
    Path lent = Path.of("k8s:prod", "secret").toAbsolutePath();
    Files.createDirectories(lent);
    try {
      GenericKubernetesResource sneaky = peaPod(WEB.replace("  containers:",
          "  volumes: [{name: s, hostPath: {path: secret, type: Directory}}]\n  containers:"));
      ManifestRejectedException e = assertThrows(ManifestRejectedException.class,
          () -> new KubernetesSource(sneaky).read());
      assertEquals("spec.volumes[0].hostPath", e.diagnostics().get(0).path());
      assertTrue(e.diagnostics().get(0).message().contains("is outside the directories manifests may share"),
          e.getMessage());
    } finally {
      Files.delete(lent);
      Files.delete(lent.getParent());
    }
  }
}
