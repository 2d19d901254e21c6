package dev.peapod.cli.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peapod.cli.ExitCodes;
import dev.peapod.cli.output.HumanUnits;
import dev.peapod.cli.testing.CliRun;
import dev.peapod.cli.testing.OciLayoutWriter;
import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.ImageRootfs;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.qemu.runtime.PodRecord;
import dev.peapod.provider.qemu.runtime.StateDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image commands in-process against a real store (erofs built by mkfs.erofs) in a temporary
 * PEAPOD_HOME, loading an OCI layout this test writes. Output is compared as exact text with
 * colour off, and JSON by shape.
 */
class ImageCommandsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path home;

  private Path layout;
  private String imageId;

  @BeforeEach
  void writeLayout(@TempDir Path work) throws Exception {
    layout = work.resolve("hello-layout");
    imageId = new OciLayoutWriter()
        .file("bin/hello", "#!/bin/sh\necho hello\n")
        .file("etc/motd", "welcome\n")
        .config("\"Entrypoint\":[\"/bin/hello\"],\"Cmd\":[\"--loud\"],\"Env\":[\"PATH=/bin\",\"GREETING=hi\"],"
            + "\"WorkingDir\":\"/srv\",\"User\":\"1000:1000\",\"ExposedPorts\":{\"8080/tcp\":{}},"
            + "\"Labels\":{\"org.example.team\":\"pods\"}")
        .created("2024-02-01T00:00:00Z")
        .refName("example.org/hello:1.0")
        .writeTo(layout);
  }

  @Test
  void loadThenListInspectRemove() throws Exception {
    CliRun load = CliRun.run(home, "image", "load", layout.toString());
    assertEquals(0, load.exitCode(), load::toString);
    String shortId = imageId.substring("sha256:".length(), "sha256:".length() + 12);
    JsonNode inspected = inspect("example.org/hello:1.0");
    long size = inspected.get("size").asLong();
    assertEquals("Loaded example.org/hello:1.0 (" + shortId + ", " + HumanUnits.size(size) + ")\n", load.out());
    assertEquals("", load.err());

    CliRun ls = CliRun.run(home, "image", "ls");
    assertEquals(0, ls.exitCode(), ls::toString);
    String sizeText = HumanUnits.size(size);
    assertEquals(String.join("\n",
        "REFERENCE               ID             " + pad("SIZE", sizeText) + "   CREATED",
        "example.org/hello:1.0   " + shortId + "   " + pad(sizeText, "SIZE") + "   4 weeks ago",
        ""), ls.out());

    // inspect: Docker's names for the runtime defaults, the erofs file, and the digests.
    assertEquals(imageId, inspected.get("id").asText());
    assertEquals(List.of("example.org/hello:1.0"), strings(inspected.get("references")));
    assertEquals(List.of("/bin/hello"), strings(inspected.at("/config/Entrypoint")));
    assertEquals(List.of("--loud"), strings(inspected.at("/config/Cmd")));
    assertEquals(List.of("PATH=/bin", "GREETING=hi"), strings(inspected.at("/config/Env")));
    assertEquals("/srv", inspected.at("/config/WorkingDir").asText());
    assertEquals("1000:1000", inspected.at("/config/User").asText());
    assertEquals(List.of("8080/tcp"), strings(inspected.at("/config/ExposedPorts")));
    assertEquals("pods", inspected.at("/config/Labels/org.example.team").asText());
    assertEquals("2024-02-01T00:00:00Z", inspected.get("created").asText());
    assertTrue(inspected.get("manifest").asText().startsWith("sha256:"));
    Path rootfs = Path.of(inspected.get("rootfs").asText());
    assertTrue(rootfs.startsWith(home.resolve("images")), rootfs::toString);
    assertEquals(Files.size(rootfs), size);

    // by id prefix too
    assertEquals(imageId, inspect(shortId).get("id").asText());

    CliRun rm = CliRun.run(home, "image", "rm", "example.org/hello:1.0");
    assertEquals(0, rm.exitCode(), rm::toString);
    assertEquals("Untagged: example.org/hello:1.0\nDeleted: " + imageId + "\n", rm.out());
    assertEquals("REFERENCE   ID   SIZE   CREATED\n", CliRun.run(home, "image", "ls").out());
  }

  @Test
  void listAsJsonAndYaml() throws Exception {
    CliRun.run(home, "image", "load", layout.toString());

    CliRun json = CliRun.run(home, "image", "ls", "-o", "json");
    assertEquals(0, json.exitCode(), json::toString);
    JsonNode list = JSON.readTree(json.out());
    assertEquals(1, list.size());
    JsonNode image = list.get(0);
    assertEquals(List.of("id", "shortId", "references", "size", "created", "rootfs"), fieldNames(image));
    assertEquals(imageId, image.get("id").asText());
    assertEquals(imageId.substring(7, 19), image.get("shortId").asText());
    assertEquals(List.of("example.org/hello:1.0"), strings(image.get("references")));
    assertTrue(image.get("size").isNumber());

    // -o before the subcommand works too: the option is inherited.
    CliRun yaml = CliRun.run(home, "-o", "yaml", "image", "ls");
    assertEquals(0, yaml.exitCode(), yaml::toString);
    assertTrue(yaml.out().startsWith("- id: " + imageId + "\n"), yaml::toString);
  }

  @Test
  void loadWithTagNamesTheImage() {
    CliRun load = CliRun.run(home, "image", "load", layout.toString(), "--tag", "registry.local:5000/hi:2");
    assertEquals(0, load.exitCode(), load::toString);
    assertTrue(load.out().startsWith("Loaded registry.local:5000/hi:2 ("), load::toString);
  }

  @Test
  void removeRefusesAnImageAPodUses() throws Exception {
    CliRun.run(home, "image", "load", layout.toString());
    JsonNode image = inspect("example.org/hello:1.0");
    Path rootfs = Path.of(image.get("rootfs").asText());
    new StateDirectory(home).pod("web").create(new PodRecord(
        PodSpec.of("web", List.of(ContainerSpec.of("main", new ImageRootfs(imageId, rootfs), List.of("/bin/hello")))),
        Instant.parse("2024-02-15T00:00:00Z")));

    CliRun rm = CliRun.run(home, "image", "rm", "example.org/hello:1.0");
    assertEquals(ExitCodes.IN_USE, rm.exitCode(), rm::toString);
    assertEquals("", rm.out());
    assertEquals("peapod: image \"example.org/hello:1.0\": image is used by pod web; remove or change those pods first\n",
        rm.err());

    CliRun prune = CliRun.run(home, "image", "prune", "--all");
    assertEquals(0, prune.exitCode(), prune::toString);
    assertEquals("Reclaimed 0B (0 images, 0 blobs)\n", prune.out());
    assertEquals(0, CliRun.run(home, "image", "inspect", imageId).exitCode());
  }

  @Test
  void pruneRemovesUnreferencedImagesOnlyWithAll() throws Exception {
    CliRun.run(home, "image", "load", layout.toString());

    CliRun prune = CliRun.run(home, "image", "prune");
    assertEquals(0, prune.exitCode(), prune::toString);
    assertEquals("Reclaimed 0B (0 images, 0 blobs)\n", prune.out());

    CliRun pruneAll = CliRun.run(home, "image", "prune", "--all", "-o", "json");
    assertEquals(0, pruneAll.exitCode(), pruneAll::toString);
    JsonNode result = JSON.readTree(pruneAll.out());
    assertEquals(List.of(imageId), strings(result.get("deleted")));
    assertTrue(result.get("blobs").asInt() >= 3, pruneAll::toString); // layer, config, manifest
    assertTrue(result.get("bytes").asLong() > 0);
    assertEquals("[ ]\n", CliRun.run(home, "image", "ls", "-o", "json").out());
  }

  @Test
  void missingImageIsOneLineAndExitCodeThree() {
    CliRun inspect = CliRun.run(home, "image", "inspect", "nosuch:1");
    assertEquals(ExitCodes.NOT_FOUND, inspect.exitCode(), inspect::toString);
    assertEquals("", inspect.out());
    assertEquals("peapod: image \"nosuch:1\": no such image in the store\n", inspect.err());

    CliRun rm = CliRun.run(home, "image", "rm", "nosuch:1");
    assertEquals(ExitCodes.NOT_FOUND, rm.exitCode(), rm::toString);
    assertEquals("peapod: image \"nosuch:1\": no such image in the store\n", rm.err());
  }

  @Test
  void removeGoesOnAfterAFailureAndReportsTheFirst() throws Exception {
    CliRun.run(home, "image", "load", layout.toString());
    CliRun rm = CliRun.run(home, "image", "rm", "nosuch:1", "example.org/hello:1.0");
    assertEquals(ExitCodes.NOT_FOUND, rm.exitCode(), rm::toString);
    assertEquals("Untagged: example.org/hello:1.0\nDeleted: " + imageId + "\n", rm.out());
  }

  @Test
  void loadOfAMissingPathIsNotFound() {
    CliRun load = CliRun.run(home, "image", "load", home.resolve("nothing.tar").toString());
    assertEquals(ExitCodes.NOT_FOUND, load.exitCode(), load::toString);
    assertEquals("peapod: " + home.resolve("nothing.tar") + ": no such file or directory\n", load.err());
  }

  @Test
  void limitsFromImagesYamlApplyAndNameTheLimit() throws Exception {
    Files.writeString(home.resolve("images.yaml"), "limits:\n  maxEntries: 2\n  maxUnpackedBytes: 16Gi\n");
    CliRun load = CliRun.run(home, "image", "load", layout.toString());
    assertEquals(ExitCodes.ERROR, load.exitCode(), load::toString);
    assertTrue(load.err().startsWith("peapod: image \"" + layout + "\": layer 1/1 sha256:"), load::toString);
    assertTrue(load.err().endsWith(": the image has more than 2 entries, over the limit maxEntries\n"), load::toString);
    assertEquals("[ ]\n", CliRun.run(home, "image", "ls", "-o", "json").out(), "no image left behind");
  }

  @Test
  void unknownOrBadLimitsInImagesYamlAreErrorsNamingTheFile() throws Exception {
    Files.writeString(home.resolve("images.yaml"), "limits:\n  maxEntrys: 2\n");
    CliRun typo = CliRun.run(home, "image", "load", layout.toString());
    assertEquals(ExitCodes.ERROR, typo.exitCode(), typo::toString);
    assertTrue(typo.err().startsWith("peapod: " + home.resolve("images.yaml") + ": limits.maxEntrys: unknown limit"),
        typo::toString);
    Files.writeString(home.resolve("images.yaml"), "limits:\n  maxFileBytes: 1.5\n");
    CliRun bad = CliRun.run(home, "image", "load", layout.toString());
    assertEquals("peapod: " + home.resolve("images.yaml") + ": limits.maxFileBytes: \"1.5\" is not a whole positive"
        + " number (e.g. 1000000, 512Mi, 16Gi)\n", bad.err());
  }

  @Test
  void malformedReferenceIsAUsageError() {
    CliRun inspect = CliRun.run(home, "image", "pull", "Not A Reference");
    assertEquals(ExitCodes.USAGE, inspect.exitCode(), inspect::toString);
    assertTrue(inspect.err().startsWith("peapod: image \"Not A Reference\": "), inspect::toString);
    assertFalse(inspect.err().contains("\tat "), "no stack trace without --debug");
    assertEquals(1, inspect.err().lines().count());
  }

  private JsonNode inspect(String image) throws Exception {
    CliRun run = CliRun.run(home, "image", "inspect", image);
    assertEquals(0, run.exitCode(), run::toString);
    JsonNode array = JSON.readTree(run.out());
    assertEquals(1, array.size());
    return array.get(0);
  }

  /** {@code text} padded to the width of the wider of the two, as the table pads its columns. */
  private static String pad(String text, String other) {
    int width = Math.max(text.length(), other.length());
    return text + " ".repeat(width - text.length());
  }

  private static List<String> strings(JsonNode array) {
    List<String> list = new java.util.ArrayList<>();
    array.forEach(node -> list.add(node.asText()));
    return list;
  }

  private static List<String> fieldNames(JsonNode object) {
    List<String> names = new java.util.ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
