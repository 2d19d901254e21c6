package dev.peapod.engine.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.peapod.engine.ManifestRejectedException;
import dev.peapod.manifest.ManifestParser;
import dev.peapod.manifest.diag.Diagnostic;
import dev.peapod.manifest.model.PodManifest;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link ConfigReferences#attachAll}: what the CLI's {@code run -f} and the API's {@code POST /v1/pods} share. */
class ConfigReferencesTest {

  private static String pod(String name, String configMap) {
    return """
        apiVersion: v1
        kind: Pod
        metadata: {name: %s}
        spec:
          containers:
            - name: app
              image: busybox:1
              envFrom:
                - configMapRef: {name: %s}
        """.formatted(name, configMap);
  }

  @Test
  void attachesTheDocumentsOfTheSameParseToEachPod() {
    String config = """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: shared}
        data: {greeting: hello}
        """;
    var parsed = ManifestParser.parse("pods.yaml", pod("a", "shared") + "---\n" + pod("b", "shared") + "---\n" + config);

    List<PodManifest> pods = ConfigReferences.attachAll(parsed);

    assertEquals(List.of("a", "b"), pods.stream().map(PodManifest::name).toList());
    pods.forEach(p -> assertEquals(1, p.inputs().size(), p.name()));
  }

  @Test
  void reportsEveryPodsMissingReferenceAtOnce() {
    var parsed = ManifestParser.parse("pods.yaml", pod("a", "absent-a") + "---\n" + pod("b", "absent-b"));

    var e = assertThrows(ManifestRejectedException.class, () -> ConfigReferences.attachAll(parsed));

    List<String> messages = e.diagnostics().stream().map(Diagnostic::message).toList();
    assertEquals(2, messages.size(), messages.toString());
    assertEquals(true, messages.get(0).contains("\"absent-a\" not found"), messages.toString());
    assertEquals(true, messages.get(1).contains("\"absent-b\" not found"), messages.toString());
  }
}
