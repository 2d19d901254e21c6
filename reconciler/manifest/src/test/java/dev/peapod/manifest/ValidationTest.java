package dev.peapod.manifest;

import static dev.peapod.manifest.Manifests.diagnostics;
import static dev.peapod.manifest.Manifests.peapod;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Exact diagnostics, {@code file:line:col: path: message}, for each validation rule. */
class ValidationTest {

  private static final String C = "containers:";

  @Test
  void validPodHasNoDiagnostics() {
    assertEquals(List.of(), diagnostics(peapod(C, "- name: web", "  image: nginx:1.25")));
  }

  @Test
  void duplicateContainerNamesAcrossInitAndAppContainers() {
    assertEquals(List.of(
        "pods/web.yaml:10:11: spec.containers[0].name: duplicate container name \"web\"",
        "pods/web.yaml:12:11: spec.containers[1].name: duplicate container name \"web\""),
        diagnostics(peapod("initContainers:", "- name: web", "  image: a:1",
            C, "- name: web", "  image: a:1", "- name: web", "  image: b:1")));
  }

  @Test
  void badNames() {
    assertEquals(List.of(
        "pods/web.yaml:4:9: metadata.name: invalid name \"Web_1\": must be a DNS-1123 label (at"
            + " most 63 lowercase letters, digits and '-', starting and ending with a letter or"
            + " digit)"),
        diagnostics(peapod(C, "- name: web", "  image: a:1").replace("name: web\nspec", "name: Web_1\nspec")));
    assertEquals(List.of(
        "pods/web.yaml:7:11: spec.containers[0].name: invalid name \"-web\": must be a DNS-1123"
            + " label (at most 63 lowercase letters, digits and '-', starting and ending with a"
            + " letter or digit)"),
        diagnostics(peapod(C, "- name: \"-web\"", "  image: a:1")));
  }

  @Test
  void missingRequiredFields() {
    assertEquals(List.of(
        "pods/web.yaml:7:5: spec.containers[0].image: required field is missing",
        "pods/web.yaml:8:5: spec.containers[1].name: required field is missing"),
        diagnostics(peapod(C, "- name: web", "- image: a:1")));
  }

  @Test
  void volumesMustBeUniqueAndDefined() {
    assertEquals(List.of(
        "pods/web.yaml:10:13: spec.containers[0].volumeMounts[0].name: volume \"cache\" is not"
            + " defined in spec.volumes",
        "pods/web.yaml:14:11: spec.volumes[1].name: duplicate volume name \"data\""),
        diagnostics(peapod(C, "- name: web", "  image: a:1", "  volumeMounts:",
            "  - name: cache", "    mountPath: /cache", "volumes:", "- name: data",
            "- name: data", "  emptyDir: {}")));
  }

  @Test
  void volumesMayNotShadowProcSysOrDevices() {
    String why = ": no volume may be mounted on /proc, /sys or what they hold, on /dev or its devices";
    assertEquals(List.of(
        "pods/web.yaml:10:31: spec.containers[0].volumeMounts[0].mountPath: \"/proc/sys/kernel\" would shadow"
            + " the container's /proc" + why,
        "pods/web.yaml:11:31: spec.containers[0].volumeMounts[1].mountPath: \"//sys/./\" would shadow"
            + " the container's /sys" + why,
        "pods/web.yaml:12:31: spec.containers[0].volumeMounts[2].mountPath: \"/dev/\" would shadow"
            + " the container's /dev" + why,
        "pods/web.yaml:13:31: spec.containers[0].volumeMounts[3].mountPath: \"/dev/pts/0\" would shadow"
            + " /dev/pts, which guest-init makes" + why,
        "pods/web.yaml:14:31: spec.containers[0].volumeMounts[4].mountPath: must not contain '..', got"
            + " \"/x/../proc/sys/kernel\""),
        diagnostics(peapod(C, "- name: web", "  image: a:1", "  volumeMounts:",
            "  - {name: data, mountPath: /proc/sys/kernel}", "  - {name: data, mountPath: //sys/./}",
            "  - {name: data, mountPath: /dev/}", "  - {name: data, mountPath: /dev/pts/0}",
            "  - {name: data, mountPath: /x/../proc/sys/kernel}",
            "  - {name: data, mountPath: /dev/shm}", "  - {name: data, mountPath: /processes}",
            "volumes:", "- name: data", "  emptyDir: {}")));
  }

  @Test
  void unsupportedPodSpecFieldsSayWhy() {
    assertEquals(List.of(
        "pods/web.yaml:9:3: warning: spec.nodeSelector: accepted without effect when pods are read from files:"
            + " nodeSelector (scheduling, priority and service accounts belong to a Kubernetes cluster; here every"
            + " pod runs on this host, without an API token)",
        "pods/web.yaml:11:3: spec.hostNetwork: field not supported by Peapod (each pod has its"
            + " own VM; there are no host namespaces to share)"),
        diagnostics(peapod(C, "- name: web", "  image: a:1", "nodeSelector:", "  disk: ssd",
            "hostNetwork: true")));
  }

  @Test
  void unsupportedContainerFieldsAndVolumeTypes() {
    assertEquals(List.of(
        "pods/web.yaml:9:5: spec.containers[0].volumeDevices: field not supported by Peapod"
            + " (raw block devices are not passed to containers)",
        "pods/web.yaml:13:5: spec.volumes[0].nfs: field not supported by Peapod (supported"
            + " volume types: emptyDir, hostPath, persistentVolumeClaim, configMap, secret, downwardAPI, projected, image)"),
        diagnostics(peapod(C, "- name: web", "  image: a:1", "  volumeDevices:",
            "    - {name: d, devicePath: /dev/xvda}",
            "volumes:", "- name: cfg", "  nfs: {server: s, path: /x}")));
  }

  @Test
  void unknownFieldsSuggestNearMisses() {
    assertEquals(List.of(
        "pods/web.yaml:9:5: spec.containers[0].imagePolicy: unknown field",
        "pods/web.yaml:10:5: spec.containers[0].comand: unknown field; did you mean \"command\"?"),
        diagnostics(peapod(C, "- name: web", "  image: a:1", "  imagePolicy: Always",
            "  comand: [sh]")));
  }

  @Test
  void quantitiesEnumsAndTypes() {
    assertEquals(List.of(
        "pods/web.yaml:9:22: spec.containers[0].imagePullPolicy: invalid value \"always\": must be"
            + " one of Always, IfNotPresent, Never",
        "pods/web.yaml:11:22: spec.containers[0].ports[0].containerPort: expected an integer, got"
            + " a string (80)",
        "pods/web.yaml:12:17: spec.containers[0].ports[0].hostPort: must be between 1 and 65535,"
            + " got 70000",
        "pods/web.yaml:14:24: spec.containers[0].env[0].value: expected a string, got an integer"
            + " (1); quote it",
        "pods/web.yaml:17:17: spec.containers[0].resources.limits.memory: invalid quantity"
            + " \"128MB\": expected a number with an optional suffix (n u m k M G T P E, Ki Mi Gi"
            + " Ti Pi Ei, or an exponent like e3)",
        "pods/web.yaml:18:18: spec.restartPolicy: invalid value \"Sometimes\": must be one of"
            + " Always, OnFailure, Never"),
        diagnostics(peapod(C, "- name: web", "  image: a:1", "  imagePullPolicy: always",
            "  ports:", "  - containerPort: \"80\"", "    hostPort: 70000", "  env:",
            "  - {name: A, value: 1}", "  resources:", "    limits:", "      memory: 128MB",
            "restartPolicy: Sometimes")));
  }

  @Test
  void resourceRules() {
    assertEquals(List.of(
        "pods/web.yaml:12:9: spec.containers[0].resources.limits.nvidia.com/gpu: resource"
            + " \"nvidia.com/gpu\" not supported by Peapod (extended resources are advertised by a"
            + " cluster's device plugins, and a VM on this host has none to give; cpu and memory are)",
        "pods/web.yaml:14:14: spec.containers[0].resources.requests.cpu: must be less than or"
            + " equal to the cpu limit (500m), got 1"),
        diagnostics(peapod(C, "- name: web", "  image: a:1", "  resources:", "    limits:",
            "      cpu: 500m", "      nvidia.com/gpu: 1", "    requests:", "      cpu: 1")));
  }

  @Test
  void sidecarsAreInitContainersWithRestartPolicyAlways() {
    assertEquals(List.of(
        "pods/web.yaml:9:20: spec.initContainers[0].restartPolicy: invalid value \"Never\": an"
            + " init container's restartPolicy can only be Always (a sidecar)",
        "pods/web.yaml:13:20: spec.containers[0].restartPolicy: only init containers may set"
            + " restartPolicy (Always, to make a sidecar); app containers follow"
            + " spec.restartPolicy"),
        diagnostics(peapod("initContainers:", "- name: init", "  image: a:1",
            "  restartPolicy: Never", C, "- name: web", "  image: a:1",
            "  restartPolicy: Always")));
  }

  @Test
  void hostPortsAreUniquePerPod() {
    assertEquals(List.of(
        "pods/web.yaml:16:17: spec.containers[1].ports[0].hostPort: host port 127.0.0.1:8080/TCP"
            + " is already forwarded by spec.containers[0].ports[0].hostPort"),
        diagnostics(peapod(C, "- name: web", "  image: a:1", "  ports:",
            "  - containerPort: 80", "    hostPort: 8080", "- name: api", "  image: a:1",
            "  ports:", "  - containerPort: 81", "    hostPort: 8080")));
  }

  @Test
  void securityAndInteractiveSettingsPeapodCannotHonour() {
    assertEquals(List.of(
        "pods/web.yaml:10:19: spec.containers[0].securityContext.privileged: privileged"
            + " containers are not supported by Peapod: inside the VM it would give the container every"
            + " device (the host channel's ports, the other containers' image disks), no seccomp and an"
            + " unmasked /proc and /sys, so it could take over guest-init and the rest of the pod; add the"
            + " capabilities it needs (capabilities.add) instead"),
        diagnostics(peapod(C, "- name: web", "  image: a:1", "  securityContext:",
            "    privileged: true", "    capabilities: {drop: [ALL]}", "  tty: true")));
  }

  @Test
  void metadataToleratesServerSetFieldsButChecksLabels() {
    String doc = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: prod\n"
        + "  uid: 1b2c\n  resourceVersion: \"42\"\n  generation: 3\n"
        + "  creationTimestamp: 2024-05-01T10:00:00Z\n  managedFields: [{manager: kubectl}]\n"
        + "  labels:\n    app: web\n    bad key: x\n"
        + "spec:\n  containers:\n  - {name: web, image: a:1}\nstatus:\n  phase: Running\n";
    assertEquals(List.of(
        "pods/web.yaml:13:5: metadata.labels[\"bad key\"]: invalid key \"bad key\": the name part"
            + " must be at most 63 characters of letters, digits, '-', '_' and '.', starting and"
            + " ending with a letter or digit"),
        diagnostics(doc));
  }

  @Test
  void peapodFieldsAreRejectedInKubernetesPods() {
    String doc = "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n"
        + "  state: Created\n  containers: [{name: web, image: a:1}]\n";
    assertEquals(List.of(
        "pods/web.yaml:5:3: spec.state: field not supported by Peapod (a PeaPod field; use"
            + " apiVersion: peapod.dev/v1alpha1, kind: PeaPod)"),
        diagnostics(doc));
  }

  @Test
  void documentKindErrors() {
    assertEquals(List.of(
        "pods/web.yaml:2:7: kind: unsupported kind \"Deployment\": expected PeaPod"
            + " (peapod.dev/v1alpha1), or Pod, ConfigMap, Secret or PersistentVolumeClaim (v1)"),
        diagnostics("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n"));
    assertEquals(List.of(
        "pods/web.yaml:1:13: apiVersion: unsupported apiVersion \"peapod.dev/v1\" for kind"
            + " PeaPod: expected peapod.dev/v1alpha1"),
        diagnostics("apiVersion: peapod.dev/v1\nkind: PeaPod\nmetadata: {name: web}\n"));
    assertEquals(List.of(
        "pods/web.yaml:1:1: kind: required field is missing (a pod document starts with"
            + " apiVersion: peapod.dev/v1alpha1 and kind: PeaPod, or apiVersion: v1 and kind: Pod)"),
        diagnostics("apiVersion: v1\nmetadata: {name: web}\n"));
    assertEquals(List.of(
        "pods/web.yaml:1:1: apiVersion: required field is missing (a kind: Pod document starts"
            + " with apiVersion: v1)"),
        diagnostics("kind: Pod\nmetadata: {name: web}\n"));
  }

  @Test
  void yamlProblems() {
    assertEquals(List.of("pods/web.yaml:8:1: duplicate key \"spec\""),
        diagnostics(peapod(C, "- {name: web, image: a:1}") + "spec: {}\n"));
    assertEquals(List.of(
        "pods/web.yaml:1:8: invalid YAML: mapping values are not allowed here"),
        diagnostics("kind: a: b\n  x\n"));
  }

  @Test
  void vmAndStateRules() {
    assertEquals(List.of(
        "pods/web.yaml:9:12: spec.vm.vcpus: must be between 1 and 255, got 0",
        "pods/web.yaml:10:13: spec.vm.memory: must be at least 32Mi, got 16Mi",
        "pods/web.yaml:11:13: spec.vm.kernel: must be an absolute path, got \"bzImage\"",
        "pods/web.yaml:12:10: spec.state: invalid value \"Stopped\": must be one of Running,"
            + " Created"),
        diagnostics(peapod(C, "- {name: web, image: a:1}", "vm:", "  vcpus: 0",
            "  memory: 16Mi", "  kernel: bzImage", "state: Stopped")));
  }

  @Test
  void dnsAndHostAliases() {
    assertEquals(List.of(
        "pods/web.yaml:8:14: spec.dnsPolicy: dnsPolicy None needs at least one nameserver in"
            + " spec.dnsConfig.nameservers",
        "pods/web.yaml:10:9: spec.hostAliases[0].ip: invalid IP address \"localhost\""),
        diagnostics(peapod(C, "- {name: web, image: a:1}", "dnsPolicy: None",
            "hostAliases:", "- ip: localhost", "  hostnames: [web.local]")));
  }

  @Test
  void everyErrorOfAFileIsReportedTogether() {
    List<String> found = diagnostics(peapod(C, "- name: Web", "  image: a:1", "  workingDir: srv",
        "  volumeMounts: [{name: nope, mountPath: rel}]", "  ports: [{containerPort: 0}]",
        "terminationGracePeriodSeconds: -1", "hostPID: true"));
    assertEquals(7, found.size(), String.join("\n", found));
  }
}
