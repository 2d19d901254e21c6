package dev.peapod.engine.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.images.oci.ImageConfig;
import dev.peapod.manifest.ManifestDirectory;
import dev.peapod.manifest.ManifestParser;
import dev.peapod.manifest.ParseResult;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.manifest.model.PodMetadata;
import dev.peapod.manifest.model.Quantity;
import dev.peapod.manifest.model.VmSettings;
import dev.peapod.provider.HostPath;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.VolumeMount;
import dev.peapod.provider.VolumeSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * persistentVolumeClaim volumes become directories under {@code $PEAPOD_HOME/volumes/NS/CLAIM}
 * that outlive the pod, named only by Kubernetes names; a VM larger than the host is refused with
 * both numbers.
 */
class ClaimsAndCapacityTest {

  private static final ImageConfig SH = ImageConfig.of(null, List.of("sh"), List.of("PATH=/bin"), "", "");

  private static PodManifest only(ParseResult parsed) {
    assertTrue(parsed.isValid(), parsed.diagnostics()::toString);
    return parsed.manifests().get(0);
  }

  @Test
  void aClaimIsADirectoryOfTheHostMadeOnFirstUseWithItsDocumentRecorded(@TempDir Path dir) throws Exception {
    Path home = dir.resolve("home");
    Path repo = Files.createDirectories(dir.resolve("repo"));
    // The claim's document is in another file than the pod, as in a repository.
    Files.writeString(repo.resolve("claim.yaml"), """
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: site, namespace: shop}
        spec:
          accessModes: [ReadWriteOnce]
          storageClassName: standard
          resources: {requests: {storage: 2Gi}}
        """);
    Files.writeString(repo.resolve("pod.yaml"), """
        apiVersion: v1
        kind: Pod
        metadata: {name: web, namespace: shop}
        spec:
          containers:
          - name: web
            image: web:1
            volumeMounts: [{name: data, mountPath: /srv}, {name: ro, mountPath: /ro}]
          volumes:
          - name: data
            persistentVolumeClaim: {claimName: site}
          - name: ro
            persistentVolumeClaim: {claimName: archive, readOnly: true}
        """);
    PodManifest manifest = only(ManifestDirectory.load(repo));
    HostPathAllowList allow = HostPathAllowList.load(home, Map.of());
    assertEquals(List.of(), ManifestToPodSpec.unsupported(manifest, allow));

    PodSpec spec = new ManifestToPodSpec(new ManifestToPodSpecTest.FakeImages().with("web:1", SH), allow)
        .convert(manifest).spec();

    Path site = home.resolve("volumes/shop/site");
    assertEquals(List.of(
        VolumeSpec.hostPath("data", new HostPath(site, HostPath.Type.DIRECTORY)),
        VolumeSpec.hostPath("ro", new HostPath(home.resolve("volumes/shop/archive"), HostPath.Type.DIRECTORY))),
        spec.volumes());
    assertTrue(Files.isDirectory(site));
    assertEquals(List.of(new VolumeMount("data", "/srv", false, ""), new VolumeMount("ro", "/ro", true, "")),
        spec.containers().get(0).mounts());

    PersistentVolumes volumes = new PersistentVolumes(home);
    PersistentVolumes.Claim claim = volumes.find("shop", "site").orElseThrow();
    assertEquals(Optional.of("2Gi"), claim.storage());
    assertEquals(List.of("ReadWriteOnce"), claim.accessModes());
    assertEquals(Optional.empty(), volumes.find("shop", "archive").orElseThrow().storage());

    // Data written survives a second conversion (a recreate) and goes only with remove.
    Files.writeString(site.resolve("index.html"), "kept");
    new ManifestToPodSpec(new ManifestToPodSpecTest.FakeImages().with("web:1", SH), allow).convert(manifest);
    assertEquals("kept", Files.readString(site.resolve("index.html")));
    assertEquals(4, volumes.find("shop", "site").orElseThrow().usedBytes());
    volumes.remove(claim);
    assertFalse(Files.exists(site));
    assertEquals(List.of("archive"), volumes.list().stream().map(PersistentVolumes.Claim::name).toList());
  }

  @Test
  void aNamespaceThatWouldLeaveTheVolumesDirectoryIsRefused(@TempDir Path home) throws Exception {
    // Attack: as a path component, a namespace "../../etc" would put the claim's directory outside.
    String pod = """
        apiVersion: v1
        kind: Pod
        metadata: {name: web, namespace: ../../etc}
        spec:
          containers: [{name: web, image: web:1, volumeMounts: [{name: d, mountPath: /d}]}]
          volumes: [{name: d, persistentVolumeClaim: {claimName: passwd}}]
        """;
    // The parser refuses it where it is written ...
    assertEquals(List.of(home.resolve("pod.yaml") + ":3:34: metadata.namespace: invalid name \"../../etc\": must be a"
        + " DNS-1123 label (at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit)"),
        ManifestParser.parse(home.resolve("pod.yaml").toString(), pod).diagnostics().all().stream()
            .map(Object::toString).toList());
    // ... and a manifest that reached the engine some other way is refused there too.
    PodManifest valid = only(ManifestParser.parse(home.resolve("pod.yaml").toString(), pod.replace("../../etc", "shop")));
    PodManifest manifest = new PodManifest(valid.origin(), new PodMetadata("web", Map.of(), Map.of(), "../../etc"),
        valid.spec());
    List<String> problems = ManifestToPodSpec.unsupported(manifest, HostPathAllowList.load(home, Map.of()))
        .stream().map(Object::toString).toList();
    assertEquals(List.of(home.resolve("pod.yaml") + ":6:23: spec.volumes[0].persistentVolumeClaim: namespace"
        + " \"../../etc\" is not a DNS-1123 label, so it cannot name a claim's directory"), problems);
    assertFalse(Files.exists(home.resolve("volumes")));
  }

  @Test
  void aClaimOfACustomResourceIsTheClustersAndRefused() {
    PodManifest manifest = only(ManifestParser.parseJson("k8s:shop/web", """
        {"apiVersion": "peapod.dev/v1alpha1", "kind": "PeaPod", "metadata": {"name": "web"},
         "spec": {"containers": [{"name": "web", "image": "web:1"}],
                  "volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": "site"}}]}}
        """));
    assertTrue(ManifestToPodSpec.unsupported(manifest).get(0).message()
        .startsWith("claim \"site\": in Kubernetes mode a claim is the cluster's"));
  }

  @Test
  void aVmLargerThanTheHostIsRefusedWithBothNumbers() {
    HostCapacity host = new HostCapacity(2, 24105);
    assertEquals(Optional.of("the VM would need 1024032 MiB of memory; this host has 24105 MiB in all, so the"
        + " pod cannot be scheduled here"),
        host.problem(new VmSettings(1, Quantity.parse("1000Gi").plus(Quantity.ofMebibytes(32)), Optional.empty(),
            dev.peapod.manifest.model.Accel.AUTO)));
    assertEquals(Optional.of("the VM would need 100 vCPUs; this host has 2 CPUs, so the pod cannot be scheduled"
        + " here"), host.problem(new VmSettings(100, Quantity.ofMebibytes(128), Optional.empty(),
            dev.peapod.manifest.model.Accel.AUTO)));
    assertEquals(Optional.empty(), host.problem(new VmSettings(2, Quantity.ofMebibytes(128), Optional.empty(),
        dev.peapod.manifest.model.Accel.AUTO)));
  }

  @Test
  void podLevelMemoryOfAThousandGibibytesIsRefusedAtItsField(@TempDir Path home) {
    PodManifest manifest = only(ManifestParser.parse(home.resolve("big.yaml").toString(), """
        apiVersion: v1
        kind: Pod
        metadata: {name: big}
        spec:
          resources:
            limits: {memory: 1000Gi}
          containers: [{name: web, image: web:1}]
        """));
    List<String> problems = ManifestToPodSpec.unsupported(manifest, HostPathAllowList.load(home, Map.of()))
        .stream().map(Object::toString).toList();
    assertEquals(1, problems.size(), problems::toString);
    assertTrue(problems.get(0).startsWith(home.resolve("big.yaml") + ":5:3: spec.resources: the VM would need"
        + " 1024032 MiB of memory; this host has "), problems.get(0));
  }
}
