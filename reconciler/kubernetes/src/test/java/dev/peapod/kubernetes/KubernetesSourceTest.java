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
  void aConfigMapVolumeIsResolvedFromTheApiAndItsChangeIsAFileInput() {
    String withVolume = WEB.replace("    - {name: main, image: busybox, command: [sleep, \"1000\"]}",
        "    - name: main\n      image: busybox\n      volumeMounts: [{name: cfg, mountPath: /etc/cfg}]\n"
            + "  volumes: [{name: cfg, configMap: {name: web-config, items: [{key: a, path: a.conf}]}}]");
    assertTrue(withVolume.contains("volumes:"), withVolume);
    java.util.List<String> asked = new java.util.ArrayList<>();
    java.util.function.Function<String, dev.peapod.engine.config.ConfigResolver> resolver = value -> (kind, ns, name) -> {
      asked.add(kind.word() + " " + ns + "/" + name);
      return java.util.Optional.of(new dev.peapod.manifest.model.ConfigObject(kind, ns, name, "",
          java.util.Map.of("a", value.getBytes(java.nio.charset.StandardCharsets.UTF_8)), "k8s:" + ns + "/" + name, 0, 0));
    };
    var before = new KubernetesSource(peaPod(withVolume), resolver.apply("1")).read().pods().get(0);
    var after = new KubernetesSource(peaPod(withVolume), resolver.apply("2")).read().pods().get(0);
    assertEquals(List.of("configmap prod/web-config", "configmap prod/web-config"), asked,
        "the agent's resolver (ConfigWatches) is asked for, and so watches, the volume's ConfigMap");
    assertTrue(before.normalized().tree().toString().contains("fileInputs"), before.normalized().tree()::toString);
    assertFalse(before.normalized().hash().equals(after.normalized().hash()), "a change of it changes the pod");
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
