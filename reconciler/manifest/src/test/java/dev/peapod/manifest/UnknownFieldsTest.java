package dev.peapod.manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.manifest.diag.Diagnostic;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An unknown field: an error for files, dropped with a warning where asked (the API's default, as Kubernetes'). */
class UnknownFieldsTest {

  private static final String POD = """
      apiVersion: peapod.dev/v1alpha1
      kind: PeaPod
      metadata: {name: web, colour: blue}
      spec:
        containers:
          - name: main
            image: busybox:1
            sizee: large
      """;

  @Test
  void anUnknownFieldIsAnErrorOfAFile() {
    ParseResult parsed = ManifestParser.parse("pod.yaml", POD);
    assertFalse(parsed.isValid());
    assertEquals(List.of("metadata.colour: unknown field", "spec.containers[0].sizee: unknown field"),
        parsed.diagnostics().errors().stream().map(d -> d.path() + ": " + d.message()).toList());
  }

  @Test
  void droppedItIsAWarningNamingTheFieldAndThePodIsTheSameAsWithoutIt() {
    ParseResult parsed = ManifestParser.parseDroppingUnknownFields("request", POD);
    assertTrue(parsed.isValid(), parsed.diagnostics()::toString);
    List<String> warnings = parsed.diagnostics().warnings().stream().map(Diagnostic::toString).toList();
    assertTrue(warnings.contains("request:3:23: warning: metadata.colour: unknown field (dropped)"), warnings::toString);
    assertTrue(warnings.stream().anyMatch(w -> w.startsWith("request:8:7: warning: spec.containers[0].sizee: unknown field")
        && w.endsWith("(dropped)")), warnings::toString);
    ParseResult without = ManifestParser.parse("request", POD.replace(", colour: blue", "").replace("      sizee: large\n",
        ""));
    assertEquals(without.manifests().get(0).spec(), parsed.manifests().get(0).spec());
  }
}
