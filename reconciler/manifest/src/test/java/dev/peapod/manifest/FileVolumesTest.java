package dev.peapod.manifest;

import static dev.peapod.manifest.Manifests.diagnostics;
import static dev.peapod.manifest.Manifests.peapod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.manifest.canonical.CanonicalForm;
import dev.peapod.manifest.canonical.ManifestDocument;
import dev.peapod.manifest.model.ConfigObject;
import dev.peapod.manifest.model.ConfigReference;
import dev.peapod.manifest.model.EnvSource;
import dev.peapod.manifest.model.FileProjection;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.manifest.model.VolumeSource;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * configMap, downwardAPI and projected volumes: decoded with Kubernetes' rules (paths, modes, one
 * type per volume, the downward API's fields for files), refused at their place, named as
 * references of the pod, and written back by inspect -o yaml.
 */
class FileVolumesTest {

  private static final String C = "containers:";
  private static final String[] CONTAINER = {"- name: web", "  image: a:1", "  volumeMounts:",
      "  - {name: cfg, mountPath: /etc/cfg}"};

  private static String[] with(String... volumeLines) {
    String[] out = new String[CONTAINER.length + 2 + volumeLines.length];
    out[0] = C;
    System.arraycopy(CONTAINER, 0, out, 1, CONTAINER.length);
    out[CONTAINER.length + 1] = "volumes:";
    System.arraycopy(volumeLines, 0, out, CONTAINER.length + 2, volumeLines.length);
    return out;
  }

  private static PodManifest parse(String... volumeLines) {
    ParseResult result = ManifestParser.parse(Manifests.FILE, peapod(with(volumeLines)));
    assertEquals(List.of(), result.diagnostics().all().stream().map(Object::toString).toList());
    return result.manifests().get(0);
  }

  @Test
  void configMapVolumeDecodesWithItemsModesAndOptional() {
    PodManifest pod = parse("- name: cfg", "  configMap:", "    name: game", "    defaultMode: 0440",
        "    optional: true", "    items:", "    - {key: game.properties, path: game, mode: 0400}",
        "    - {key: ui, path: dir/ui}");
    VolumeSource.Files files = (VolumeSource.Files) pod.spec().volumes().get(0).source();
    assertEquals("configMap", files.type());
    assertEquals(0440, files.defaultMode());
    assertEquals(List.of(new FileProjection.ObjectKeys(ConfigObject.Kind.CONFIG_MAP, "game", List.of(
        new FileProjection.KeyToPath("game.properties", "game", Optional.of(0400)),
        new FileProjection.KeyToPath("ui", "dir/ui", Optional.empty())), true)), files.sources());
    assertEquals(List.of("spec.volumes[0].configMap.items[0]", "spec.volumes[0].configMap.items[1]"),
        ConfigReference.of(pod).stream().map(ConfigReference::path).toList());
    assertTrue(ConfigReference.of(pod).get(0).inVolume());
    roundTrip(pod);
  }

  @Test
  void secretVolumesAndProjectedSecretsDecodeAsTheSecretsKeys() {
    PodManifest pod = parse("- name: cfg", "  secret:", "    secretName: tls", "    defaultMode: 0400",
        "    items:", "    - {key: tls.key, path: private/key.pem, mode: 0440}",
        "- name: both", "  projected:", "    sources:", "    - secret: {name: db, optional: true}",
        "    - configMap: {name: app}");
    VolumeSource.Files secret = (VolumeSource.Files) pod.spec().volumes().get(0).source();
    assertEquals("secret", secret.type());
    assertEquals(0400, secret.defaultMode());
    assertEquals(List.of(new FileProjection.ObjectKeys(ConfigObject.Kind.SECRET, "tls", List.of(
        new FileProjection.KeyToPath("tls.key", "private/key.pem", Optional.of(0440))), false)), secret.sources());
    VolumeSource.Files projected = (VolumeSource.Files) pod.spec().volumes().get(1).source();
    assertEquals(new FileProjection.ObjectKeys(ConfigObject.Kind.SECRET, "db", List.of(), true),
        projected.sources().get(0));
    assertTrue(ConfigReference.of(pod).stream().allMatch(ConfigReference::inVolume));
    assertEquals(List.of(ConfigObject.Kind.SECRET, ConfigObject.Kind.SECRET, ConfigObject.Kind.CONFIG_MAP),
        ConfigReference.of(pod).stream().map(ConfigReference::kind).toList());
    roundTrip(pod);
    assertEquals(List.of("pods/web.yaml:14:7: spec.volumes[0].secret.secretName: required field is missing"),
        Manifests.diagnostics(Manifests.peapod(with("- name: cfg", "  secret:", "    defaultMode: 0400"))));
  }

  @Test
  void downwardAndProjectedVolumesDecode() {
    PodManifest pod = parse("- name: cfg", "  projected:", "    defaultMode: 0444", "    sources:",
        "    - downwardAPI:", "        items:", "        - {path: labels, fieldRef: {fieldPath: metadata.labels}}",
        "        - path: mem", "          resourceFieldRef: {containerName: web, resource: limits.memory, divisor: 1Mi}",
        "    - configMap: {name: app, items: [{key: config, path: my-group/my-config}]}",
        "- name: info", "  downwardAPI:", "    items:",
        "    - {path: name, fieldRef: {fieldPath: metadata.name}, mode: 0600}");
    VolumeSource.Files projected = (VolumeSource.Files) pod.spec().volumes().get(0).source();
    assertEquals("projected", projected.type());
    assertEquals(0444, projected.defaultMode());
    assertEquals(2, projected.sources().size());
    FileProjection.DownwardItems downward = (FileProjection.DownwardItems) projected.sources().get(0);
    assertEquals(new EnvSource.FieldRef("metadata.labels"), downward.items().get(0).source());
    VolumeSource.Files info = (VolumeSource.Files) pod.spec().volumes().get(1).source();
    assertEquals(VolumeSource.Files.DEFAULT_MODE, info.defaultMode());
    assertEquals(Optional.of(0600),
        ((FileProjection.DownwardItems) info.sources().get(0)).items().get(0).mode());
    assertEquals(List.of("spec.volumes[0].projected.sources[1].configMap.items[0]"),
        ConfigReference.of(pod).stream().map(ConfigReference::path).toList());
    roundTrip(pod);
  }

  @Test
  void hostilePathsModesAndFieldsAreRefusedAtTheirPlace() {
    assertEquals(List.of(
        "pods/web.yaml:16:24: spec.volumes[0].configMap.items[0].path: invalid path \"../../etc/passwd\":"
            + " must not contain '..'",
        "pods/web.yaml:17:24: spec.volumes[0].configMap.items[1].path: invalid path \"/abs\": must be a relative path",
        "pods/web.yaml:18:24: spec.volumes[0].configMap.items[2].path: invalid path \"..data/x\": must not start"
            + " with '..'",
        "pods/web.yaml:19:36: spec.volumes[0].configMap.items[3].mode: must be a file mode between 0 and 0777 (511),"
            + " got 4095 (07777)",
        "pods/web.yaml:20:24: spec.volumes[0].configMap.items[4].path: path \"game\" is listed twice",
        "pods/web.yaml:21:24: spec.volumes[0].configMap.items[5].path: path \"game\" is listed twice",
        "pods/web.yaml:23:59: spec.volumes[1].downwardAPI.items[0].fieldRef.fieldPath: unsupported fieldPath"
            + " \"spec.nodeName\" in a downwardAPI volume: must be one of metadata.annotations, metadata.labels,"
            + " metadata.name, metadata.namespace, metadata.uid, metadata.labels['KEY'], metadata.annotations['KEY']"
            + " (node and status fields are for env only, as in Kubernetes)",
        "pods/web.yaml:26:16: spec.volumes[2].projected: a volume may have only one type; this one also has emptyDir",
        "pods/web.yaml:30:9: spec.volumes[3].projected.sources[0].serviceAccountToken: field not supported by"
            + " Peapod (a service account token is issued by a cluster's API server; pods read from files have no"
            + " service account)"),
        diagnostics(peapod(with("- name: cfg", "  configMap:", "    name: game", "    items:",
            "    - {key: a, path: ../../etc/passwd}",
            "    - {key: b, path: /abs}",
            "    - {key: c, path: ..data/x}",
            "    - {key: d, path: game, mode: 07777}",
            "    - {key: e, path: game}",
            "    - {key: f, path: game}",
            "- name: info", "  downwardAPI: {items: [{path: n, fieldRef: {fieldPath: spec.nodeName}}]}",
            "- name: both", "  emptyDir: {}", "  projected: {sources: []}",
            "- name: token", "  projected:", "    sources:", "    - serviceAccountToken: {path: t}")))
            .stream().filter(d -> !d.contains("warning")).toList());
  }

  @Test
  void aVolumeOnlyConfigMapIsAFileInputAndAnEnvOneAConfigInput() {
    PodManifest pod = ManifestParser.parse(Manifests.FILE, peapod("containers:", "- name: web", "  image: a:1",
        "  env:", "  - name: A", "    valueFrom: {configMapKeyRef: {name: env-cfg, key: k}}",
        "volumes:", "- name: cfg", "  configMap: {name: file-cfg}",
        "- name: both", "  configMap: {name: env-cfg}")).manifests().get(0)
        .withInputs(List.of(object("env-cfg"), object("file-cfg")));
    Map<String, Object> spec = map(CanonicalForm.tree(pod).get("spec"));
    assertEquals(Map.of("configmap/default/env-cfg", object("env-cfg").hash()), spec.get(CanonicalForm.INPUTS));
    assertEquals(Map.of("configmap/default/file-cfg", object("file-cfg").hash()), spec.get(CanonicalForm.FILE_INPUTS));
  }

  @Test
  void labelsADownwardFileShowsAreAFileInput() {
    String base = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  labels: {tier: %s}\nspec:\n"
        + "  containers: [{name: web, image: a:1}]\n"
        + "  volumes: [{name: info, downwardAPI: {items: [{path: l, fieldRef: {fieldPath: metadata.labels}}]}}]\n";
    PodManifest front = ManifestParser.parse("a.yaml", base.formatted("front")).manifests().get(0);
    PodManifest back = ManifestParser.parse("a.yaml", base.formatted("back")).manifests().get(0);
    Object a = map(CanonicalForm.tree(front).get("spec")).get(CanonicalForm.FILE_INPUTS);
    Object b = map(CanonicalForm.tree(back).get("spec")).get(CanonicalForm.FILE_INPUTS);
    assertTrue(a.toString().contains("downwardAPI/info"), a::toString);
    assertFalse(a.equals(b));
  }

  private static ConfigObject object(String name) {
    return new ConfigObject(ConfigObject.Kind.CONFIG_MAP, "default", name, "",
        Map.of("k", name.getBytes(StandardCharsets.UTF_8)), "c.yaml", 1, 1);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    return (Map<String, Object>) o;
  }

  /** inspect -o yaml writes the volume back as a document that parses to the same pod. */
  private static void roundTrip(PodManifest pod) {
    String written = new Yaml().dump(ManifestDocument.of(CanonicalForm.tree(pod), false));
    ParseResult again = ManifestParser.parse("again.yaml", written);
    assertEquals(List.of(), again.diagnostics().all().stream().map(Object::toString).toList(), written);
    assertEquals(CanonicalForm.json(pod), CanonicalForm.json(again.manifests().get(0)));
  }
}
