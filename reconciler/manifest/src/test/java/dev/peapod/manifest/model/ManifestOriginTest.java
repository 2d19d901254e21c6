package dev.peapod.manifest.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.peapod.manifest.ManifestParser;
import dev.peapod.manifest.ParseResult;
import dev.peapod.manifest.source.Position;
import org.junit.jupiter.api.Test;

/** Field positions looked up after parsing, for checks made later than the parser's (the CLI's conversion). */
class ManifestOriginTest {
  private static final String POD = """
      ---
      apiVersion: v1
      kind: Pod
      metadata:
        name: web
      spec:
        containers:
          - name: main
            image: busybox:1
        volumes:
          - name: data
            emptyDir: {}
      """;

  private static ManifestOrigin origin(String text) {
    ParseResult parsed = ManifestParser.parse("pod.yaml", text);
    return parsed.manifests().get(0).origin();
  }

  @Test
  void aFieldIsFoundAtItsKey() {
    assertEquals(new Position(12, 7), origin(POD).positionOf("spec.volumes[0].emptyDir"));
    assertEquals(new Position(9, 7), origin(POD).positionOf("spec.containers[0].image"));
  }

  @Test
  void aListItemIsFoundAtItsFirstValue() {
    assertEquals(new Position(8, 7), origin(POD).positionOf("spec.containers[0]"));
  }

  @Test
  void aPathThatLeavesTheDocumentEndsWhereItLastMatched() {
    assertEquals(new Position(6, 1), origin(POD).positionOf("spec.vm.accel"), "spec is written, vm is not");
    assertEquals(new Position(7, 3), origin(POD).positionOf("spec.containers[3].image"), "no such item");
    assertEquals(new Position(2, 1), origin(POD).positionOf("nosuch"), "the document's start");
  }

  @Test
  void anOriginWithoutItsSourceGivesTheDocumentStart() {
    ManifestOrigin bare = new ManifestOrigin("pod.yaml", 3, 1, ManifestKind.KUBERNETES_POD);
    assertEquals(new Position(3, 1), bare.positionOf("spec.volumes[0]"));
  }
}
