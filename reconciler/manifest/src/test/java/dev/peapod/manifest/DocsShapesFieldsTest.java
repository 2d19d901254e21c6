package dev.peapod.manifest;

import static dev.peapod.manifest.Manifests.diagnostics;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.manifest.canonical.CanonicalForm;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.manifest.model.PullPolicy;
import dev.peapod.manifest.model.VolumeSource;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * Fields of the Kubernetes documentation's pod shapes that issue 17 left: image volumes, emptyDir's
 * mode (Kubernetes 1.37), the namespace a pod file names, hyperd's per-container sysctls, and newer
 * fields refused as "not supported by Peapod" rather than as unknown.
 */
class DocsShapesFieldsTest {

  private static PodManifest parse(String yaml) {
    ParseResult parsed = ManifestParser.parse("pods/web.yaml", yaml);
    assertTrue(parsed.isValid(), parsed.diagnostics().all()::toString);
    return parsed.manifests().get(0);
  }

  private static final String POD = """
      apiVersion: v1
      kind: Pod
      metadata: {name: web}
      spec:
        containers:
        - name: app
          image: app:1
          volumeMounts: [{name: data, mountPath: /data, subPath: part1}]
        volumes:
      """;

  @Test
  void anImageVolumeKeepsItsReferenceAndKubernetesPullPolicyDefault() {
    PodManifest pod = parse(POD + "  - name: data\n    image: {reference: \"registry.example:5000/data:v1\"}\n");
    assertEquals(new VolumeSource.Image("registry.example:5000/data:v1", PullPolicy.IF_NOT_PRESENT),
        pod.spec().volumes().get(0).source());
    PodManifest latest = parse(POD + "  - name: data\n    image: {reference: data}\n");
    assertEquals(PullPolicy.ALWAYS, ((VolumeSource.Image) latest.spec().volumes().get(0).source()).pullPolicy());
    PodManifest never = parse(POD + "  - name: data\n    image: {reference: data:v1, pullPolicy: Never}\n");
    assertEquals(PullPolicy.NEVER, ((VolumeSource.Image) never.spec().volumes().get(0).source()).pullPolicy());
    // The plan compares it, so a new reference is a change the plan shows.
    assertEquals(Map.of("name", "data", "image", Map.of("reference", "data:v1", "pullPolicy", "Never")),
        ((List<?>) ((Map<?, ?>) CanonicalForm.tree(never).get("spec")).get("volumes")).get(0));
  }

  @Test
  void anImageVolumesProblemsAreReportedAtTheirPlace() {
    assertEquals(List.of(
        "pods/web.yaml:11:12: spec.volumes[0].image.reference: required field is missing",
        "pods/web.yaml:13:24: spec.volumes[1].image.reference: invalid image reference \"Data:1\": repository"
            + " name must be lowercase",
        "pods/web.yaml:13:46: spec.volumes[1].image.pullPolicy: invalid value \"Sometimes\": must be one of"
            + " Always, IfNotPresent, Never",
        "pods/web.yaml:15:12: spec.volumes[2].image: a volume may have only one type; this one also has hostPath"),
        diagnostics(POD + "  - name: data\n    image: {}\n"
            + "  - name: other\n    image: {reference: \"Data:1\", pullPolicy: Sometimes}\n"
            + "  - name: third\n    image: {reference: data:1}\n    hostPath: {path: /srv}\n"));
  }

  @Test
  void emptyDirModeIsReadAsKubernetesReadsItOctalInYaml() {
    PodManifest pod = parse(POD + "  - name: data\n    emptyDir: {mode: 01777, medium: Memory, sizeLimit: 64Mi}\n");
    VolumeSource.EmptyDir dir = (VolumeSource.EmptyDir) pod.spec().volumes().get(0).source();
    assertEquals(OptionalInt.of(01777), dir.mode());
    assertEquals("Memory", dir.medium());
    assertEquals(List.of("pods/web.yaml:11:22: spec.volumes[0].emptyDir.mode: must be between 0 and 1023, got 04000"),
        diagnostics(POD + "  - name: data\n    emptyDir: {mode: 04000}\n"));
  }

  @Test
  void theNamespaceAPodFileNamesIsKeptAndShown() {
    PodManifest pod = parse("apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\n"
        + "spec:\n  containers: [{name: app, image: app:1}]\n");
    assertEquals("shop", pod.metadata().namespace());
    assertEquals("shop", pod.metadata().effectiveNamespace());
    assertEquals("shop", ((Map<?, ?>) CanonicalForm.tree(pod).get("metadata")).get("namespace"));
    PodManifest unnamed = parse("apiVersion: v1\nkind: Pod\nmetadata: {name: web}\n"
        + "spec:\n  containers: [{name: app, image: app:1}]\n");
    assertEquals("default", unnamed.metadata().effectiveNamespace());
    assertTrue(!((Map<?, ?>) CanonicalForm.tree(unnamed).get("metadata")).containsKey("namespace"),
        "a pod without a namespace keeps the canonical form (and hash) it had");
    PodManifest explicitDefault = parse("apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: default}\n"
        + "spec:\n  containers: [{name: app, image: app:1}]\n");
    assertEquals(CanonicalForm.tree(unnamed), CanonicalForm.tree(explicitDefault), "namespace: default is no change");
    assertEquals(List.of("pods/web.yaml:3:34: metadata.namespace: invalid name \"Shop_1\": must be a DNS-1123 label (at"
            + " most 63 lowercase letters, digits and '-', starting and ending with a letter or digit)"),
        diagnostics("apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: Shop_1}\n"
            + "spec:\n  containers: [{name: app, image: app:1}]\n"));
  }

  @Test
  void hyperdContainerSysctlsAreThePodsNamespacedSysctls() {
    ParseResult parsed = ManifestParser.parse("pods/p.pod", """
        {"id": "p", "containers": [
          {"name": "a", "image": "a:1", "sysctl": {"net.ipv4.ip_forward": "1", "kernel.shmmax": "65536"}},
          {"name": "b", "image": "b:1", "Sysctl": {"net.ipv4.ip_forward": "1"}}]}
        """);
    assertTrue(parsed.isValid(), parsed.diagnostics().all()::toString);
    assertEquals(Map.of("net.ipv4.ip_forward", "1", "kernel.shmmax", "65536"),
        parsed.manifests().get(0).spec().security().sysctls());
    assertEquals(List.of(
        "pods/p.pod:2:44: containers[0].sysctl[\"kernel.panic\"]: sysctl \"kernel.panic\" is not supported by"
            + " Peapod: only namespaced sysctls (net.*, kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*) are set,"
            + " since the others would change the kernel guest-init and every container of the VM run on",
        "pods/p.pod:3:44: containers[1].sysctl[\"net.ipv4.ip_forward\"]: sysctl \"net.ipv4.ip_forward\" is \"1\""
            + " for another container: the containers of a pod share its kernel namespaces, so a sysctl has one"
            + " value for all of them"),
        ManifestParser.parse("pods/p.pod", """
            {"id": "p", "containers": [
              {"name": "a", "image": "a:1", "sysctl": {"kernel.panic": "1", "net.ipv4.ip_forward": "1"}},
              {"name": "b", "image": "b:1", "sysctl": {"net.ipv4.ip_forward": "0"}}]}
            """).diagnostics().all().stream().map(Object::toString).toList());
  }

  @Test
  void newerKubernetesFieldsAreNotSupportedRatherThanUnknown() {
    assertEquals(List.of(
        "pods/web.yaml:8:23: spec.containers[0].securityContext.cgroupOptions: field not supported by Peapod"
            + " (a container's cgroup is mounted read-only in it; writable cgroups (Kubernetes 1.37 CgroupOptions)"
            + " are not given)"),
        diagnostics("apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n"
            + "  - name: app\n    image: app:1\n    securityContext: {cgroupOptions: {writable: true}}\n"));
  }
}
