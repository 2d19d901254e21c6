package dev.peapod.manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.peapod.manifest.canonical.CanonicalForm;
import dev.peapod.manifest.model.DesiredState;
import dev.peapod.manifest.model.PodManifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoryAndCanonicalTest {

  private static final String POD = "apiVersion: peapod.dev/v1alpha1\nkind: PeaPod\n"
      + "metadata:\n  name: %s\nspec:\n  containers:\n  - name: web\n    image: nginx:1.25\n";

  @Test
  void multiDocumentFileKeepsGoodDocumentsAndReportsBadOnes() {
    ParseResult result = ManifestParser.parse("pods.yaml",
        POD.formatted("a") + "---\n" + POD.formatted("B") + "---\n" + POD.formatted("c")
            + "---\n" + POD.formatted("a") + "---\n");
    assertEquals(List.of("a", "c"), result.manifests().stream().map(PodManifest::name).toList());
    assertEquals(List.of(
        "pods.yaml:13:9: metadata.name: invalid name \"B\": must be a DNS-1123 label (at most 63"
            + " lowercase letters, digits and '-', starting and ending with a letter or digit)",
        "pods.yaml:28:1: metadata.name: duplicate pod name \"a\" (also declared at pods.yaml:1:1)"),
        result.diagnostics().all().stream().map(Object::toString).toList());
  }

  @Test
  void directoryIsReadInSortedOrderAndDuplicatesNameBothFiles(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("team/b"));
    Files.createDirectories(dir.resolve(".git"));
    Files.writeString(dir.resolve("team/b/web.yml"), POD.formatted("web"));
    Files.writeString(dir.resolve("team/a.yaml"), POD.formatted("web"));
    Files.writeString(dir.resolve("api.json"), "{\"apiVersion\": \"v1\", \"kind\": \"Pod\","
        + " \"metadata\": {\"name\": \"api\"}, \"spec\": {\"containers\": [{\"name\": \"api\","
        + " \"image\": \"api:1\"}]}}");
    Files.writeString(dir.resolve(".git/config.yaml"), "not: a pod");
    Files.writeString(dir.resolve("README.md"), "# pods");
    ParseResult result = ManifestDirectory.load(dir);
    assertEquals(List.of("api", "web"), result.manifests().stream().map(PodManifest::name).toList());
    assertEquals(List.of(dir.resolve("team/b/web.yml") + ":1:1: metadata.name: duplicate pod name"
        + " \"web\" (also declared at " + dir.resolve("team/a.yaml") + ":1:1)"),
        result.diagnostics().all().stream().map(Object::toString).toList());
  }

  @Test
  void manifestFilesAreTheVisibleManifestsAndLinksToFilesInRelativePathOrder(@TempDir Path dir) throws Exception {
    for (String file : List.of("b.yaml", "a/z.yml", "a/.hidden.yaml", "a-b.json", "x.pod", "notes.txt",
        ".git/x.yaml", "deep/.cache/y.yaml", "deep/er/c.yaml")) {
      Files.createDirectories(dir.resolve(file).getParent());
      Files.writeString(dir.resolve(file), "x");
    }
    Files.createDirectories(dir.resolve("elsewhere"));
    Files.writeString(dir.resolve("elsewhere/target.yaml"), "x");
    Files.createSymbolicLink(dir.resolve("link.yaml"), dir.resolve("elsewhere/target.yaml"));
    Files.createSymbolicLink(dir.resolve("dirlink.yaml"), dir.resolve("elsewhere"));
    Files.createSymbolicLink(dir.resolve("dangling.yaml"), dir.resolve("gone.yaml"));
    assertEquals(List.of("a-b.json", "a/z.yml", "b.yaml", "deep/er/c.yaml", "elsewhere/target.yaml", "link.yaml",
        "x.pod"), ManifestDirectory.manifestFiles(dir).stream().map(p -> dir.relativize(p).toString()).toList());
  }

  @Test
  void explicitDefaultsEqualLeftOutDefaults() {
    PodManifest implicit = ManifestParser.parse("a.yaml", POD.formatted("web")).manifests().get(0);
    String explicit = POD.formatted("web")
        .replace("spec:\n", "spec:\n  restartPolicy: Always\n  state: Running\n"
            + "  terminationGracePeriodSeconds: 30\n  hostname: web\n"
            + "  vm: {vcpus: 1, memory: 134217728, accel: auto}\n")
        .replace("image: nginx:1.25\n", "image: nginx:1.25\n    imagePullPolicy: IfNotPresent\n"
            + "    ports: [{containerPort: 80, protocol: TCP}]\n");
    PodManifest written = ManifestParser.parse("b.yaml", explicit).manifests().get(0);
    PodManifest withPort = ManifestParser.parse("c.yaml", POD.formatted("web")
        .replace("image: nginx:1.25\n", "image: nginx:1.25\n    ports: [{containerPort: 80}]\n"))
        .manifests().get(0);
    assertEquals(withPort, written);
    assertEquals(CanonicalForm.json(withPort), CanonicalForm.json(written));
    assertNotEquals(implicit, written);
    assertEquals(DesiredState.RUNNING, written.spec().state());
  }

  @Test
  void canonicalJsonIsDeterministicAndSorted() {
    PodManifest pod = ManifestParser.parse("a.yaml", POD.formatted("web")).manifests().get(0);
    String json = CanonicalForm.json(pod);
    assertEquals(json, CanonicalForm.json(pod));
    assertEquals(0, json.indexOf("{\n  \"metadata\""));
    assertEquals(true, json.contains("\"memory\" : \"128Mi\""));
  }

  @Test
  void examplesParse() {
    ParseResult result = ManifestDirectory.load(Path.of("../../examples"));
    assertEquals(List.of(), result.diagnostics().errors(), result.diagnostics().toString());
    assertEquals(List.of("app-with-init", "batch", "shared-pid", "web"),
        result.manifests().stream().map(PodManifest::name).toList());
  }
}
