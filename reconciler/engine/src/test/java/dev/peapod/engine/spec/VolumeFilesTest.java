package dev.peapod.engine.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.engine.ManifestRejectedException;
import dev.peapod.engine.config.PodEnvironment;
import dev.peapod.engine.source.DirectorySource;
import dev.peapod.images.oci.ImageConfig;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.provider.FileSet;
import dev.peapod.provider.ImageRootfs;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.VolumeFile;
import dev.peapod.provider.VolumeMount;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** configMap, downwardAPI and projected volumes from a directory source to the provider's files. */
class VolumeFilesTest {

  private static final ImageSource IMAGES = (reference, policy) -> new ImageSource.Resolved(
      new ImageRootfs("sha256:1", Path.of("/images/busybox.erofs")),
      ImageConfig.of(null, List.of("sh"), List.of("PATH=/bin"), "", ""));

  private static final String CONFIG = """
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: game}
      data:
        game.properties: "lives=3\\n"
        ui.properties: "color=purple\\n"
      """;

  @TempDir
  Path dir;

  private PodSpec convert(String pod) throws Exception {
    Files.writeString(dir.resolve("web.yaml"), pod);
    Files.writeString(dir.resolve("config.yaml"), CONFIG);
    PodManifest manifest = DirectorySource.of(List.of(dir)).read().pods().get(0).manifest();
    return new ManifestToPodSpec(IMAGES, HostPathAllowList.fromEnvironment(),
        new PodEnvironment("default", "node-1", "192.0.2.7")).convert(manifest).spec();
  }

  private static Map<String, String> files(PodSpec spec, int volume) {
    Map<String, String> out = new TreeMap<>();
    FileSet set = spec.volumes().get(volume).files().orElseThrow();
    for (VolumeFile f : set.files()) {
      out.put(f.path(), Integer.toOctalString(f.mode()) + " " + (f.gid() >= 0 ? "gid=" + f.gid() + " " : "")
          + new String(f.content(), StandardCharsets.UTF_8));
    }
    return out;
  }

  @Test
  void keysItemsModesAndTheDownwardApiBecomeFiles() throws Exception {
    PodSpec spec = convert("""
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
          labels: {tier: front, app: web}
          annotations: {note: "say \\"hi\\"\\tnow"}
        spec:
          containers:
          - name: app
            image: busybox:1
            resources: {limits: {memory: 64Mi}}
            volumeMounts:
            - {name: all, mountPath: /etc/all}
            - {name: some, mountPath: /etc/some, readOnly: false}
            - {name: some, mountPath: /etc/game.properties, subPath: game}
          volumes:
          - name: all
            configMap: {name: game, defaultMode: 0440}
          - name: some
            projected:
              sources:
              - configMap:
                  name: game
                  items: [{key: game.properties, path: game, mode: 0400}]
              - downwardAPI:
                  items:
                  - {path: info/labels, fieldRef: {fieldPath: metadata.labels}}
                  - {path: info/notes, fieldRef: {fieldPath: metadata.annotations}}
                  - {path: info/mem, resourceFieldRef: {containerName: app, resource: limits.memory, divisor: 1Mi}}
                  - {path: info/name, fieldRef: {fieldPath: metadata.name}}
          - name: gone
            configMap: {name: absent, optional: true}
        """);
    assertEquals(Map.of("game.properties", "440 lives=3\n", "ui.properties", "440 color=purple\n"), files(spec, 0));
    assertEquals(Map.of("game", "400 lives=3\n", "info/labels", "644 app=\"web\"\ntier=\"front\"",
        "info/notes", "644 note=\"say \\\"hi\\\"\\tnow\"", "info/mem", "644 64", "info/name", "644 web"),
        files(spec, 1), "labels and annotations as key=\"value\" lines, quoted as Go quotes");
    assertEquals(Map.of(), files(spec, 2), "an optional ConfigMap that is missing gives an empty volume");
    assertEquals(List.of(new VolumeMount("all", "/etc/all", true, ""), new VolumeMount("some", "/etc/some", true, ""),
        new VolumeMount("some", "/etc/game.properties", true, "game")), spec.containers().get(0).mounts(),
        "every mount of a volume of files is read-only, as Kubernetes makes it");
    assertTrue(!spec.volumes().get(0).files().orElseThrow().sensitive());
  }

  @Test
  void fsGroupOwnsTheFiles() throws Exception {
    PodSpec spec = convert("""
        apiVersion: v1
        kind: Pod
        metadata: {name: web}
        spec:
          securityContext: {fsGroup: 2000}
          containers: [{name: app, image: busybox:1}]
          volumes:
          - {name: cfg, configMap: {name: game, defaultMode: 0400, items: [{key: ui.properties, path: ui}]}}
        """);
    assertEquals(Map.of("ui", "440 gid=2000 color=purple\n"), files(spec, 0));
  }

  @Test
  void aMissingKeyAndPathsTwoSourcesGiveAreRefused() throws Exception {
    ManifestRejectedException e = assertThrows(ManifestRejectedException.class, () -> convert("""
        apiVersion: v1
        kind: Pod
        metadata: {name: web}
        spec:
          containers: [{name: app, image: busybox:1}]
          volumes:
          - name: twice
            projected:
              sources:
              - configMap: {name: game}
              - downwardAPI: {items: [{path: game.properties, fieldRef: {fieldPath: metadata.name}}]}
          - name: missing
            configMap: {name: game, items: [{key: nope, path: x}]}
        """));
    String message = e.diagnostics().toString();
    assertTrue(message.contains("spec.volumes[1].configMap.items[0]: configmap \"game\" has no key \"nope\""), message);
    e = assertThrows(ManifestRejectedException.class, () -> convert("""
        apiVersion: v1
        kind: Pod
        metadata: {name: web}
        spec:
          containers: [{name: app, image: busybox:1}]
          volumes:
          - name: twice
            projected:
              sources:
              - configMap: {name: game}
              - downwardAPI: {items: [{path: game.properties, fieldRef: {fieldPath: metadata.name}}]}
        """));
    assertTrue(e.diagnostics().toString().contains("web.yaml:7:5: spec.volumes[0]: volume \"twice\": two sources give"
        + " the file \"game.properties\""), e.diagnostics()::toString);
  }

  @Test
  void moreThanAPodMayHoldIsRefusedWithTheLimit() throws Exception {
    StringBuilder pod = new StringBuilder("""
        apiVersion: v1
        kind: Pod
        metadata: {name: web}
        spec:
          containers: [{name: app, image: busybox:1}]
          volumes:
        """);
    StringBuilder maps = new StringBuilder();
    String mib = "x".repeat(1000 * 1024);
    for (int i = 0; i < 9; i++) {
      pod.append("  - {name: v").append(i).append(", configMap: {name: big").append(i).append("}}\n");
      maps.append("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: big").append(i).append("}\ndata:\n  k: ")
          .append(mib).append('\n');
    }
    Files.writeString(dir.resolve("big.yaml"), maps.toString());
    ManifestRejectedException e = assertThrows(ManifestRejectedException.class, () -> convert(pod.toString()));
    assertTrue(e.diagnostics().toString().contains("spec.volumes: the pod's volumes of files hold 9216000 bytes"
        + " together, over the limit of 8388608 bytes (8 MiB) per pod: they are kept in the VM's memory"),
        e.diagnostics()::toString);
  }
}
