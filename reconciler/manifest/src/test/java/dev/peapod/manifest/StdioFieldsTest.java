package dev.peapod.manifest;

import static dev.peapod.manifest.Manifests.diagnostics;
import static dev.peapod.manifest.Manifests.peapod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.manifest.canonical.CanonicalForm;
import dev.peapod.manifest.canonical.ManifestDocument;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.manifest.model.Stdio;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Containers' {@code stdin}, {@code stdinOnce} and {@code tty}, from Kubernetes and HyperContainer files. */
class StdioFieldsTest {

  private static final String C = "containers:";

  private static PodManifest only(String content) {
    ParseResult result = ManifestParser.parse(Manifests.FILE, content);
    assertEquals(List.of(), result.diagnostics().all().stream().map(Object::toString).toList());
    return result.manifests().get(0);
  }

  @Test
  void kubernetesFieldsAreHonoured() {
    PodManifest pod = only(peapod(C, "- name: shell", "  image: a:1", "  stdin: true", "  stdinOnce: true",
        "  tty: true", "- name: web", "  image: a:1"));

    assertEquals(new Stdio(true, true, true), pod.spec().containers().get(0).stdio());
    assertEquals(Stdio.NONE, pod.spec().containers().get(1).stdio());
  }

  @Test
  void stdinOnceWithoutStdinIsAcceptedWithAWarning() {
    assertEquals(List.of("pods/web.yaml:9:16: warning: spec.containers[0].stdinOnce: stdinOnce has no effect without"
        + " stdin: true"), diagnostics(peapod(C, "- name: web", "  image: a:1", "  stdinOnce: true")));
  }

  @Test
  void aNonBooleanIsAnError() {
    List<String> problems = diagnostics(peapod(C, "- name: web", "  image: a:1", "  tty: sometimes"));
    assertEquals(1, problems.size(), problems.toString());
    assertTrue(problems.get(0).startsWith("pods/web.yaml:9:10: spec.containers[0].tty: expected true or false"), problems.get(0));
  }

  @Test
  void aChangedTtyChangesTheCanonicalFormAndUnsetFieldsAreLeftOut() {
    PodManifest plain = only(peapod(C, "- name: web", "  image: a:1"));
    PodManifest tty = only(peapod(C, "- name: web", "  image: a:1", "  tty: true"));
    PodManifest explicitFalse = only(peapod(C, "- name: web", "  image: a:1", "  stdin: false", "  tty: false"));

    assertFalse(CanonicalForm.json(plain).contains("tty"), "pods recorded before the fields keep their form");
    assertEquals(CanonicalForm.json(plain), CanonicalForm.json(explicitFalse));
    assertTrue(CanonicalForm.json(tty).contains("\"tty\" : true"), CanonicalForm.json(tty));
  }

  @Test
  @SuppressWarnings("unchecked")
  void theManifestWrittenBackKeepsThem() {
    PodManifest pod = only(peapod(C, "- name: shell", "  image: a:1", "  stdin: true", "  tty: true"));
    Map<String, Object> doc = ManifestDocument.of(CanonicalForm.tree(pod), true);
    Map<String, Object> spec = (Map<String, Object>) doc.get("spec");
    Map<String, Object> container = ((List<Map<String, Object>>) spec.get("containers")).get(0);

    assertEquals(true, container.get("stdin"));
    assertEquals(true, container.get("tty"));
    assertFalse(container.containsKey("stdinOnce"));
  }

  @Test
  void hyperContainerTtyIsATerminalWithStdinForTheContainerOrEveryContainer() {
    ParseResult perContainer = ManifestParser.parseJson("pod.json",
        "{\"id\": \"p\", \"containers\": [{\"name\": \"a\", \"image\": \"busybox\", \"tty\": true},"
            + " {\"name\": \"b\", \"image\": \"busybox\"}]}");
    ParseResult podWide = ManifestParser.parseJson("pod.json",
        "{\"id\": \"p\", \"tty\": true, \"containers\": [{\"name\": \"a\", \"image\": \"busybox\"}]}");

    assertEquals(List.of(), perContainer.diagnostics().all());
    assertEquals(new Stdio(true, false, true), perContainer.manifests().get(0).spec().containers().get(0).stdio());
    assertEquals(Stdio.NONE, perContainer.manifests().get(0).spec().containers().get(1).stdio());
    assertEquals(new Stdio(true, false, true), podWide.manifests().get(0).spec().containers().get(0).stdio());
  }
}
