package dev.peapod.manifest;

import static dev.peapod.manifest.Manifests.diagnostics;
import static dev.peapod.manifest.Manifests.peapod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.manifest.canonical.CanonicalForm;
import dev.peapod.manifest.model.ContainerDecl;
import dev.peapod.manifest.model.HandlerDecl;
import dev.peapod.manifest.model.LifecycleDecl;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.manifest.model.ProbeDecl;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * Probes and lifecycle hooks: Kubernetes' defaults, a port by name, and exact diagnostics for what
 * Kubernetes refuses and what the guest cannot run.
 */
class ProbeDecodingTest {

  private static final String C = "containers:";

  private static ContainerDecl only(String text) {
    ParseResult result = ManifestParser.parse(Manifests.FILE, text);
    assertEquals(List.of(), result.diagnostics().all().stream().map(Object::toString).toList());
    PodManifest pod = result.manifests().get(0);
    return pod.spec().containers().get(0);
  }

  @Test
  void probesAndHooksDecodeWithKubernetesDefaults() {
    ContainerDecl web = only(peapod(C, "- name: web", "  image: a:1",
        "  ports: [{name: http, containerPort: 8080}]",
        "  livenessProbe:",
        "    httpGet: {path: /healthz, port: http, httpHeaders: [{name: X-Probe, value: live}]}",
        "    failureThreshold: 2",
        "    terminationGracePeriodSeconds: 5",
        "  readinessProbe: {exec: {command: [cat, /tmp/ready]}, periodSeconds: 1, successThreshold: 2}",
        "  startupProbe: {tcpSocket: {port: 8080}, initialDelaySeconds: 3}",
        "  lifecycle:",
        "    postStart: {exec: {command: [touch, /tmp/started]}}",
        "    preStop: {sleep: {seconds: 2}}"));
    LifecycleDecl lc = web.lifecycle();
    assertEquals(Optional.of(new ProbeDecl(new HandlerDecl.HttpGet("127.0.0.1", 8080, "/healthz",
        List.of(new HandlerDecl.HttpHeader("X-Probe", "live"))), 0, 10, 1, 1, 2, OptionalLong.of(5))), lc.liveness());
    assertEquals(Optional.of(new ProbeDecl(new HandlerDecl.Exec(List.of("cat", "/tmp/ready")), 0, 1, 1, 2, 3,
        OptionalLong.empty())), lc.readiness());
    assertEquals(Optional.of(new ProbeDecl(new HandlerDecl.TcpSocket("127.0.0.1", 8080), 3, 10, 1, 1, 3,
        OptionalLong.empty())), lc.startup());
    assertEquals(Optional.of(new HandlerDecl.Exec(List.of("touch", "/tmp/started"))), lc.postStart());
    assertEquals(Optional.of(new HandlerDecl.Sleep(2)), lc.preStop());
  }

  @Test
  void aPodWithoutProbesKeepsItsCanonicalForm() {
    String plain = peapod(C, "- name: web", "  image: a:1");
    @SuppressWarnings("unchecked")
    Map<String, Object> container = (Map<String, Object>) ((List<Object>) ((Map<String, Object>)
        CanonicalForm.tree(ManifestParser.parse(Manifests.FILE, plain).manifests().get(0)).get("spec"))
        .get("containers")).get(0);
    assertFalse(container.containsKey("livenessProbe"), container.toString());
    assertFalse(container.containsKey("lifecycle"), container.toString());
    String probed = peapod(C, "- name: web", "  image: a:1", "  livenessProbe: {tcpSocket: {port: 80}}");
    assertTrue(CanonicalForm.json(ManifestParser.parse(Manifests.FILE, probed).manifests().get(0))
        .contains("\"livenessProbe\""));
  }

  @Test
  void whatKubernetesRefusesIsRefusedWithTheLine() {
    assertEquals(List.of(
        "pods/web.yaml:10:7: spec.containers[0].livenessProbe: may have only one handler, has 2",
        "pods/web.yaml:12:25: spec.containers[0].livenessProbe.successThreshold: must be 1 for a"
            + " livenessProbe (as in Kubernetes: only failures decide a restart)",
        "pods/web.yaml:14:7: spec.containers[0].readinessProbe: needs a handler: one of exec, httpGet,"
            + " tcpSocket, grpc",
        "pods/web.yaml:14:22: spec.containers[0].readinessProbe.periodSeconds: must be between 1 and"
            + " 2147483647, got 0",
        "pods/web.yaml:15:38: spec.containers[0].readinessProbe.terminationGracePeriodSeconds: only"
            + " liveness and startup probes end a container, so only they take a grace period",
        "pods/web.yaml:16:26: spec.containers[0].startupProbe.exec.command: an exec handler needs a"
            + " command"),
        diagnostics(peapod(C, "- name: web", "  image: a:1",
            "  livenessProbe:",
            "    exec: {command: [\"true\"]}",
            "    tcpSocket: {port: 80}",
            "    successThreshold: 2",
            "  readinessProbe:",
            "    periodSeconds: 0",
            "    terminationGracePeriodSeconds: 3",
            "  startupProbe: {exec: {command: []}}")));
  }

  @Test
  void whatTheGuestCannotRunIsRefusedWithTheReason() {
    assertEquals(List.of(
        "pods/web.yaml:9:39: spec.containers[0].livenessProbe.httpGet.scheme: invalid value \"FTP\":"
            + " must be one of HTTP, HTTPS",
        "pods/web.yaml:10:35: spec.containers[0].readinessProbe.grpc.port: expected an integer,"
            + " got a string (grpc)",
        "pods/web.yaml:11:38: spec.containers[0].startupProbe.tcpSocket.host: \"db.local\" is not an"
            + " IPv4 address: the guest resolves no names for probes; leave host out to probe the pod"
            + " itself",
        "pods/web.yaml:11:54: spec.containers[0].startupProbe.tcpSocket.port: \"metrics\" is not the"
            + " name of one of this container's ports",
        "pods/web.yaml:13:16: spec.containers[0].lifecycle.preStop: needs a handler: one of exec,"
            + " httpGet, sleep",
        "pods/web.yaml:13:17: spec.containers[0].lifecycle.preStop.tcpSocket: field not supported by"
            + " Peapod (Kubernetes accepts tcpSocket hooks but never runs them; use exec or httpGet)",
        "pods/web.yaml:14:72: spec.containers[0].lifecycle.postStart.httpGet.httpHeaders[0].value: an"
            + " HTTP header value must not hold a line break"),
        diagnostics(peapod(C, "- name: web", "  image: a:1",
            "  livenessProbe: {httpGet: {scheme: FTP, port: 443}}",
            "  readinessProbe: {grpc: {port: grpc}}",
            "  startupProbe: {tcpSocket: {host: db.local, port: metrics}}",
            "  lifecycle:",
            "    preStop: {tcpSocket: {port: 80}}",
            "    postStart: {httpGet: {port: 80, httpHeaders: [{name: X-A, value: \"a\\r\\nX-B: b\"}]}}")));
  }

  @Test
  void grpcProbesAndHttpsAreKubernetes() {
    ContainerDecl web = only(peapod(C, "- name: web", "  image: a:1",
        "  livenessProbe: {grpc: {port: 9090}}",
        "  readinessProbe: {grpc: {port: 9090, service: probe}}",
        "  startupProbe: {httpGet: {scheme: HTTPS, port: 8443, path: /ready}}",
        "  lifecycle:",
        "    preStop: {httpGet: {scheme: HTTPS, port: 8443, path: /stop}}"));
    LifecycleDecl lc = web.lifecycle();
    assertEquals(new HandlerDecl.Grpc(9090, ""), lc.liveness().orElseThrow().handler());
    assertEquals(new HandlerDecl.Grpc(9090, "probe"), lc.readiness().orElseThrow().handler());
    assertEquals(new HandlerDecl.HttpGet("127.0.0.1", 8443, "/ready", List.of(), true),
        lc.startup().orElseThrow().handler());
    assertEquals(new HandlerDecl.HttpGet("127.0.0.1", 8443, "/stop", List.of(), true),
        lc.preStop().orElseThrow());
    String json = CanonicalForm.json(ManifestParser.parse(Manifests.FILE, peapod(C, "- name: web",
        "  image: a:1", "  livenessProbe: {grpc: {port: 9090}}",
        "  readinessProbe: {httpGet: {scheme: HTTPS, port: 8443}}")).manifests().get(0));
    assertTrue(json.contains("\"grpc\""), json);
    assertTrue(json.contains("\"scheme\""), json);
    // An explicit scheme: HTTP is what leaving it out is: the canonical form (and hash) of a plain
    // httpGet probe did not change when HTTPS came.
    assertEquals(
        CanonicalForm.json(ManifestParser.parse(Manifests.FILE, peapod(C, "- name: web", "  image: a:1",
            "  livenessProbe: {httpGet: {port: 80}}")).manifests().get(0)),
        CanonicalForm.json(ManifestParser.parse(Manifests.FILE, peapod(C, "- name: web", "  image: a:1",
            "  livenessProbe: {httpGet: {scheme: HTTP, port: 80}}")).manifests().get(0)));
    assertFalse(CanonicalForm.json(ManifestParser.parse(Manifests.FILE, peapod(C, "- name: web",
        "  image: a:1", "  livenessProbe: {httpGet: {port: 80}}")).manifests().get(0)).contains("scheme"));
  }

  @Test
  void onlySidecarsAmongInitContainersTakeProbes() {
    assertEquals(List.of(
        "pods/web.yaml:9:21: spec.initContainers[0].readinessProbe: an init container runs to"
            + " completion, so it takes no probes or hooks (as in Kubernetes); a sidecar"
            + " (restartPolicy: Always) may have them"),
        diagnostics(peapod("initContainers:", "- name: migrate", "  image: a:1",
            "  readinessProbe: {exec: {command: [\"true\"]}}",
            "- name: proxy", "  image: a:1", "  restartPolicy: Always",
            "  startupProbe: {tcpSocket: {port: 80}}",
            C, "- name: web", "  image: a:1")));
  }
}
