package dev.peapod.manifest;

import static dev.peapod.manifest.Manifests.peapod;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.peapod.manifest.canonical.CanonicalForm;
import dev.peapod.manifest.model.Placement;
import dev.peapod.manifest.model.PodManifest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Cluster-only PodSpec fields: accepted with one warning per pod, placement kept, nothing replanned. */
class ClusterFieldsTest {

  private static final String[] POD = {"nodeSelector: {disk: ssd}", "priorityClassName: high",
      "containers:", "- name: web", "  image: a:1",
      "tolerations:", "- {key: dedicated, operator: Equal, value: vm, effect: NoSchedule}",
      "affinity:", "  nodeAffinity:", "    requiredDuringSchedulingIgnoredDuringExecution:",
      "      nodeSelectorTerms: [{matchExpressions: [{key: zone, operator: In, values: [a, b]}]}]",
      "serviceAccountName: builder", "automountServiceAccountToken: true", "schedulerName: custom",
      "priority: 1000"};

  @Test
  void oneWarningNamingEveryClusterField() {
    assertEquals(List.of("pods/web.yaml:6:3: warning: spec.nodeSelector: accepted without effect when pods are read"
            + " from files: nodeSelector, affinity, tolerations, schedulerName, priorityClassName, priority,"
            + " serviceAccountName, automountServiceAccountToken (scheduling, priority and service accounts belong to"
            + " a Kubernetes cluster; here every pod runs on this host, without an API token)"),
        Manifests.diagnostics(peapod(POD)));
  }

  @Test
  void placementIsKeptForKubernetesButNotCompared() {
    PodManifest pod = ManifestParser.parse(Manifests.FILE, peapod(POD)).manifests().get(0);
    Placement placement = pod.spec().placement();
    assertEquals(Map.of("disk", "ssd"), placement.nodeSelector());
    assertEquals(List.of(Map.of("key", "dedicated", "operator", "Equal", "value", "vm", "effect", "NoSchedule")),
        placement.tolerations());
    assertEquals("builder", placement.serviceAccountName());
    assertEquals(List.of("nodeAffinity"), List.copyOf(placement.affinity().keySet()));
    PodManifest plain = ManifestParser.parse(Manifests.FILE, peapod("containers:", "- name: web", "  image: a:1"))
        .manifests().get(0);
    assertEquals(CanonicalForm.json(plain), CanonicalForm.json(pod), "file mode: no effect, so no replan");
  }
}
