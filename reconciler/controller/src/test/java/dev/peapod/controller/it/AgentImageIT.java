package dev.peapod.controller.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code make agent-image}'s script, {@code scripts/agent-image}, run for real but with a tiny
 * Debian layer ({@code mmdebstrap --variant=extract} of busybox-static instead of the JRE and
 * QEMU, ~25 s instead of ~1.5 min): the OCI layout it writes is checked blob by blob, the Peapod
 * layer holds this build's launcher, jars, kernel and initramfs where the launcher looks for them,
 * and {@code ./peapod image load} loads it under the name the chart's DaemonSet runs, with the
 * entrypoint and environment the agent needs. The full image is built by hand ({@code make
 * agent-image}); its figures are in the README.
 */
class AgentImageIT {

  private static final Path REPO = ControllerHome.REPO;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path work;
  private static Path layout;
  private static String buildLog;

  @BeforeAll
  static void buildTheImageWithATinyDebianLayer() throws Exception {
    layout = work.resolve("agent-image");
    ProcessBuilder build = new ProcessBuilder(REPO.resolve("scripts/agent-image").toString(), layout.toString())
        .redirectErrorStream(true);
    build.environment().put("AGENT_IMAGE_VARIANT", "extract");
    build.environment().put("AGENT_IMAGE_PACKAGES", "busybox-static,tini");
    Process process = build.start();
    buildLog = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(5, TimeUnit.MINUTES), buildLog);
    assertEquals(0, process.exitValue(), buildLog);
  }

  /** The name the chart's DaemonSet runs by default: values.yaml's repository and the chart's appVersion. */
  private static String chartImage() throws IOException {
    String values = Files.readString(REPO.resolve("charts/peapod/values.yaml"));
    String chart = Files.readString(REPO.resolve("charts/peapod/Chart.yaml"));
    return group(values, "(?m)^  repository: (\\S+)$") + ":" + group(chart, "(?m)^appVersion: \"?([^\"\\s]+)\"?$");
  }

  private static String group(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    assertTrue(m.find(), regex);
    return m.group(1);
  }

  private static Path blob(JsonNode descriptor) {
    return layout.resolve("blobs/sha256").resolve(descriptor.get("digest").asText().substring("sha256:".length()));
  }

  private static String sha256(InputStream in) throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    byte[] buffer = new byte[1 << 16];
    for (int n; (n = in.read(buffer)) > 0; ) {
      sha.update(buffer, 0, n);
    }
    return "sha256:" + HexFormat.of().formatHex(sha.digest());
  }

  private static JsonNode manifest() throws Exception {
    JsonNode index = JSON.readTree(layout.resolve("index.json").toFile());
    assertEquals(1, index.get("manifests").size(), index::toString);
    return JSON.readTree(blob(index.get("manifests").get(0)).toFile());
  }

  /** {@code tar -tvzf} of a layer: path to "mode owner size [-> target]". */
  private static Map<String, String> entries(Path layer) throws Exception {
    Process tar = new ProcessBuilder("tar", "--numeric-owner", "-tvzf", layer.toString()).start();
    Map<String, String> entries = new TreeMap<>();
    for (String line : new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
      String[] f = line.split("\\s+", 6);
      String[] name = f[5].split(" -> ", 2);
      entries.put(name[0], f[0] + " " + f[1] + " " + f[2] + (name.length == 2 ? " -> " + name[1] : ""));
    }
    assertEquals(0, tar.waitFor());
    return entries;
  }

  @Test
  void theLayoutIsAnOciImageWhoseBlobsAreWhatTheirDigestsSay() throws Exception {
    assertEquals("{\"imageLayoutVersion\":\"1.0.0\"}", Files.readString(layout.resolve("oci-layout")).strip());
    JsonNode index = JSON.readTree(layout.resolve("index.json").toFile());
    JsonNode entry = index.get("manifests").get(0);
    assertEquals("application/vnd.oci.image.manifest.v1+json", entry.get("mediaType").asText());
    assertEquals(chartImage(), entry.at("/annotations/org.opencontainers.image.ref.name").asText());

    JsonNode manifest = manifest();
    List<JsonNode> descriptors = new ArrayList<>(List.of(entry, manifest.get("config")));
    manifest.get("layers").forEach(descriptors::add);
    for (JsonNode d : descriptors) {
      try (InputStream in = Files.newInputStream(blob(d))) {
        assertEquals(d.get("digest").asText(), sha256(in));
      }
      assertEquals(d.get("size").asLong(), Files.size(blob(d)), d::toString);
    }
    assertEquals("application/vnd.oci.image.config.v1+json", manifest.at("/config/mediaType").asText());
    JsonNode config = JSON.readTree(blob(manifest.get("config")).toFile());
    assertEquals(2, manifest.get("layers").size(), "Debian, then Peapod");
    for (int i = 0; i < 2; i++) {
      JsonNode layer = manifest.get("layers").get(i);
      assertEquals("application/vnd.oci.image.layer.v1.tar+gzip", layer.get("mediaType").asText());
      try (InputStream in = new GZIPInputStream(Files.newInputStream(blob(layer)))) {
        assertEquals(config.at("/rootfs/diff_ids").get(i).asText(), sha256(in), "diff_id of layer " + i);
      }
    }
    assertEquals("amd64", config.get("architecture").asText());
    assertEquals("linux", config.get("os").asText());
    try (var files = Files.list(layout.resolve("blobs/sha256"))) {
      assertEquals(descriptors.size(), files.count(), "no blob that nothing refers to");
    }
  }

  @Test
  void theDebianLayerIsMmdebstrapsAndThePeapodLayerHoldsThisBuild() throws Exception {
    JsonNode layers = manifest().get("layers");
    Map<String, String> debian = entries(blob(layers.get(0)));
    assertTrue(debian.containsKey("./bin/busybox"), "the package asked for: " + debian.keySet());
    assertTrue(debian.containsKey("./usr/bin/tini"), "the entrypoint's PID 1: " + debian.keySet());

    Map<String, String> peapod = entries(blob(layers.get(1)));
    assertTrue(peapod.values().stream().allMatch(e -> e.split(" ")[1].equals("0/0")), "root owns every file: " + peapod);
    assertTrue(peapod.get("./opt/peapod/peapod").startsWith("-rwxr-xr-x"), peapod::toString);
    assertEquals("lrwxrwxrwx 0/0 0 -> ../../../opt/peapod/peapod", peapod.get("./usr/local/bin/peapod"));
    for (String[] file : new String[][] {
        {"./opt/peapod/build/vmlinux", "build/vmlinux"},
        {"./opt/peapod/build/initramfs.cpio", "build/initramfs.cpio"},
        {"./opt/peapod/reconciler/cli/target/peapod-runner.jar", "reconciler/cli/target/peapod-runner.jar"},
        {"./opt/peapod/reconciler/controller/target/quarkus-app/quarkus-run.jar",
            "reconciler/controller/target/quarkus-app/quarkus-run.jar"}}) {
      assertEquals("-rw-r--r-- 0/0 " + Files.size(REPO.resolve(file[1])), peapod.get(file[0]), file[0]);
    }
    assertTrue(peapod.keySet().stream().anyMatch(p -> p.startsWith("./opt/peapod/reconciler/controller/target/"
        + "quarkus-app/lib/main/dev.peapod.peapod-kubernetes-")), "the node agent's module");
    assertEquals("drwx------ 0/0 0", peapod.get("./var/lib/peapod/"), "the state directory is private");
  }

  @Test
  void peapodImageLoadTakesItWithTheAgentsEntrypointAndEnvironment() throws Exception {
    Path home = work.resolve("home");
    ProcessBuilder load = new ProcessBuilder(REPO.resolve("peapod").toString(), "image", "load", layout.toString())
        .redirectErrorStream(true);
    load.environment().put("PEAPOD_HOME", home.toString());
    Process loading = load.start();
    String out = new String(loading.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, loading.waitFor(), out);
    assertTrue(out.startsWith("Loaded docker.io/" + chartImage() + " ("), out);

    ProcessBuilder inspect = new ProcessBuilder(REPO.resolve("peapod").toString(), "image", "inspect", chartImage());
    inspect.environment().put("PEAPOD_HOME", home.toString());
    Process inspecting = inspect.start();
    JsonNode image = JSON.readTree(inspecting.getInputStream().readAllBytes()).get(0);
    assertEquals(0, inspecting.waitFor());
    assertEquals(List.of("/usr/bin/tini", "--", "/opt/peapod/peapod"), strings(image.at("/config/Entrypoint")),
        "PID 1 reaps the helpers whose launcher exited");
    assertEquals(List.of("serve"), strings(image.at("/config/Cmd")));
    assertEquals(List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "PEAPOD_HOME=/var/lib/peapod", "PEAPOD_KERNEL=/opt/peapod/build/vmlinux",
        "PEAPOD_INITRD=/opt/peapod/build/initramfs.cpio"), strings(image.at("/config/Env")));
    assertEquals("/var/lib/peapod", image.at("/config/WorkingDir").asText());
    assertEquals(List.of("7070/tcp"), strings(image.at("/config/ExposedPorts")));
  }

  private static List<String> strings(JsonNode node) {
    List<String> out = new ArrayList<>();
    if (node.isArray()) {
      node.forEach(n -> out.add(n.asText()));
    } else {
      node.fieldNames().forEachRemaining(out::add);
    }
    return out;
  }
}
