package dev.peapod.manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.manifest.canonical.CanonicalForm;
import dev.peapod.manifest.model.ContainerDecl;
import dev.peapod.manifest.model.ManifestKind;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.manifest.model.PortDecl;
import dev.peapod.manifest.model.Protocol;
import dev.peapod.manifest.model.PullPolicy;
import dev.peapod.manifest.model.Quantity;
import dev.peapod.manifest.model.RestartPolicy;
import dev.peapod.manifest.model.VolumeSource;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Kubernetes Pod and HyperContainer documents become the same model as PeaPods. */
class ConversionTest {

  private static final Path RESOURCES = Path.of("src/test/resources");

  private static PodManifest only(ParseResult result) {
    assertEquals(List.of(), result.diagnostics().errors(), result.diagnostics().toString());
    assertEquals(1, result.manifests().size());
    return result.manifests().get(0);
  }

  @Test
  void kubernetesPod() {
    ParseResult result = ManifestParser.parse(RESOURCES.resolve("kube-pod.yaml"));
    PodManifest pod = only(result);
    assertEquals(List.of("src/test/resources/kube-pod.yaml:26:7: warning:"
        + " spec.containers[0].terminationMessagePath: ignored: Peapod does not collect"
        + " termination messages"),
        result.diagnostics().all().stream().map(Object::toString).toList());
    assertEquals(ManifestKind.KUBERNETES_POD, pod.origin().kind());
    assertEquals(Map.of("app", "web"), pod.metadata().labels());
    assertEquals(RestartPolicy.ON_FAILURE, pod.spec().restartPolicy());
    assertEquals(5, pod.spec().terminationGracePeriodSeconds());
    ContainerDecl web = pod.spec().containers().get(0);
    assertEquals(PullPolicy.ALWAYS, web.imagePullPolicy());
    assertEquals(List.of("nginx"), web.command());
    assertEquals(List.of("-g", "daemon off;"), web.args());
    assertEquals("33:2000", web.runAs().toString()); // container user over pod user, pod group
    assertEquals(new PortDecl("http", 80, 8080, "0.0.0.0", Protocol.UDP), web.ports().get(0));
    assertEquals(Quantity.parse("2"), web.resources().requests().cpu().orElseThrow());
    assertEquals(new VolumeSource.HostPath("/srv", "Directory"), pod.spec().volumes().get(0).source());
    assertTrue(pod.spec().volumes().get(1).source() instanceof VolumeSource.EmptyDir);
    assertEquals(2, pod.spec().vm().vcpus());
    assertEquals(Quantity.parse("1056Mi"), pod.spec().vm().memory());
  }

  @Test
  void hyperContainerJson() {
    PodManifest pod = only(ManifestParser.parse(RESOURCES.resolve("hyper/nginx.json")));
    assertEquals(ManifestKind.HYPERCONTAINER, pod.origin().kind());
    assertEquals("nginx-pod", pod.name());
    assertEquals("webhost", pod.spec().hostname());
    assertEquals(RestartPolicy.ALWAYS, pod.spec().restartPolicy());
    assertEquals(2, pod.spec().vm().vcpus());
    assertEquals(Quantity.parse("256Mi"), pod.spec().vm().memory());
    assertEquals(List.of("8.8.8.8"), pod.spec().dns().nameservers());
    ContainerDecl nginx = pod.spec().containers().get(0);
    assertEquals(List.of("nginx"), nginx.command());
    assertEquals(List.of("-g", "daemon off;"), nginx.args());
    assertEquals("/usr/share/nginx/html", nginx.workingDir());
    assertEquals(List.of(new PortDecl("", 80, 8080, "", Protocol.TCP),
        new PortDecl("", 443, 8443, "", Protocol.TCP)), nginx.ports());
    assertTrue(nginx.volumeMounts().get(0).readOnly());
    assertEquals(new VolumeSource.HostPath("/srv/www", ""), pod.spec().volumes().get(0).source());
    assertTrue(pod.spec().volumes().get(1).source() instanceof VolumeSource.EmptyDir);
    assertEquals("nobody:nogroup", pod.spec().containers().get(1).runAs().toString());
    assertEquals(PullPolicy.ALWAYS, pod.spec().containers().get(1).imagePullPolicy());
  }

  @Test
  void hyperContainerYaml() {
    PodManifest pod = only(ManifestParser.parse(RESOURCES.resolve("hyper/redis.yaml")));
    assertEquals(RestartPolicy.ON_FAILURE, pod.spec().restartPolicy());
    assertEquals(6379, pod.spec().containers().get(0).ports().get(0).hostPort());
    assertEquals(1, pod.spec().vm().vcpus());
    assertEquals(Quantity.parse("128Mi"), pod.spec().vm().memory());
  }

  @Test
  void hyperContainerFieldsPeapodCannotHonourAreErrors() {
    ParseResult result = ManifestParser.parse(RESOURCES.resolve("hyper/bad.json"));
    assertEquals(List.of(), result.manifests());
    String f = "src/test/resources/hyper/bad.json";
    assertEquals(List.of(
        f + ":5:105: containers[0].files[0].perm: invalid perm \"0999\": an octal file mode from 0 to 0777,"
            + " e.g. \"0644\"",
        f + ":8:69: volumes[0].format: volume format \"raw\" is not supported by Peapod: only host"
            + " directories (vfs) and empty volumes (no source)",
        f + ":9:37: files[0].uri: uri \"http://example.com/app.conf\" is not supported by Peapod: only file://"
            + " URIs (a file of this host, under the manifest's directory or the hostPath allow-list); Peapod"
            + " fetches nothing from the network for a pod",
        f + ":11:3: interfaces: field not supported by Peapod (pods use the VM's user-mode"
            + " network)"),
        result.diagnostics().all().stream().map(Object::toString).toList());
  }

  @Test
  void samePodAsPeaPodAndAsKubernetesPodIsEqual() {
    String spec = "spec:\n  containers:\n  - name: web\n    image: nginx:1.25\n";
    PodManifest peapod = only(ManifestParser.parse("a.yaml",
        "apiVersion: peapod.dev/v1alpha1\nkind: PeaPod\nmetadata: {name: web}\n" + spec));
    PodManifest kube = only(ManifestParser.parse("b.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\n" + spec));
    assertEquals(peapod, kube);
    assertEquals(CanonicalForm.json(peapod), CanonicalForm.json(kube));
  }
}
