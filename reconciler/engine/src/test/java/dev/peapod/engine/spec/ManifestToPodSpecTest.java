package dev.peapod.engine.spec;

import dev.peapod.engine.ManifestRejectedException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.images.ImageNotFoundException;
import dev.peapod.images.oci.ImageConfig;
import dev.peapod.manifest.ManifestParser;
import dev.peapod.manifest.ParseResult;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.manifest.model.PullPolicy;
import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.DnsSettings;
import dev.peapod.provider.HostPath;
import dev.peapod.provider.ImageRootfs;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.PortForward;
import dev.peapod.provider.RestartPolicy;
import dev.peapod.provider.VmResources;
import dev.peapod.provider.VolumeMount;
import dev.peapod.provider.VolumeSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The manifest → provider spec conversion, with images from a map instead of a registry. */
class ManifestToPodSpecTest {

  /** Images by reference; records which were asked for, with which pull policy. */
  static final class FakeImages implements ImageSource {
    final Map<String, Resolved> images = new HashMap<>();
    final List<String> asked = new ArrayList<>();

    FakeImages with(String reference, ImageConfig config) {
      images.put(reference, new Resolved(new ImageRootfs("sha256:" + Integer.toHexString(reference.hashCode()),
          Path.of("/images/" + reference.replace(':', '_') + ".erofs")), config));
      return this;
    }

    @Override
    public Resolved resolve(String reference, PullPolicy policy) {
      asked.add(reference + " " + policy.manifestName());
      Resolved image = images.get(reference);
      if (image == null) {
        throw new ImageNotFoundException(reference, "no such image in the store");
      }
      return image;
    }
  }

  private static final ImageConfig BUSYBOX = ImageConfig.of(null, List.of("sh"), List.of("PATH=/bin", "FROM_IMAGE=1"),
      "", "");
  private static final ImageConfig NGINX = ImageConfig.of(List.of("/docker-entrypoint.sh"), List.of("nginx", "-g"),
      List.of("PATH=/usr/bin"), "/srv", "101");

  private final FakeImages images = new FakeImages().with("busybox:1", BUSYBOX).with("nginx:1.25", NGINX);

  private static PodManifest parse(String yaml) {
    ParseResult result = ManifestParser.parse("pod.yaml", yaml);
    assertTrue(result.isValid(), result.diagnostics()::toString);
    return result.manifests().get(0);
  }

  @Test
  void everyPodSettingCarriesOver() {
    PodManifest manifest = parse("""
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
        spec:
          hostname: front
          restartPolicy: OnFailure
          terminationGracePeriodSeconds: 5
          dnsPolicy: None
          dnsConfig:
            nameservers: [10.0.0.2]
            searches: [corp.example]
            options:
              - name: ndots
                value: "2"
              - name: edns0
          hostAliases:
            - ip: 10.0.0.9
              hostnames: [db, db.local]
          containers:
            - name: http
              image: nginx:1.25
              args: ["-c", "/etc/nginx.conf"]
              env:
                - name: MODE
                  value: prod
              ports:
                - containerPort: 80
                  hostPort: 8080
                - containerPort: 9000
                - containerPort: 53
                  hostPort: 5353
                  hostIP: 0.0.0.0
                  protocol: UDP
              volumeMounts:
                - name: cache
                  mountPath: /cache
                  readOnly: true
                  subPath: http
            - name: side
              image: busybox:1
              command: [sleep, "$(NAP)"]
              env:
                - name: NAP
                  value: "100"
              workingDir: /tmp
              securityContext:
                runAsUser: 1000
                runAsGroup: 2000
              volumeMounts:
                - name: cache
                  mountPath: /data
          volumes:
            - name: cache
              emptyDir:
                sizeLimit: 64Mi
            - name: scratch
              emptyDir: {}
        """);

    PodSpec spec = new ManifestToPodSpec(images).convert(manifest).spec();

    assertEquals("web", spec.name());
    assertEquals("front", spec.hostname());
    assertEquals(Duration.ofSeconds(5), spec.terminationGracePeriod());
    assertEquals(new DnsSettings(List.of("10.0.0.2"), List.of("corp.example"), List.of("ndots:2", "edns0")), spec.dns());
    assertEquals(List.of("10.0.0.9 db db.local"), spec.extraHosts());
    assertEquals(List.of(new VolumeSpec("cache", 64L * 1024 * 1024), new VolumeSpec("scratch", 0)), spec.volumes());
    assertEquals(List.of(
        new PortForward("127.0.0.1", 8080, 80, PortForward.Protocol.TCP),
        new PortForward("0.0.0.0", 5353, 53, PortForward.Protocol.UDP)), spec.ports());

    ContainerSpec http = spec.containers().get(0);
    assertEquals("http", http.name());
    assertEquals(images.images.get("nginx:1.25").rootfs(), http.image());
    assertEquals(List.of("/docker-entrypoint.sh", "-c", "/etc/nginx.conf"), http.command(), "args replace the image's Cmd only");
    assertEquals(new LinkedHashMap<>(Map.of("PATH", "/usr/bin", "MODE", "prod")), new LinkedHashMap<>(http.env()));
    assertEquals("/srv", http.workingDir());
    assertEquals("101", http.user(), "the image's User when the manifest sets none");
    assertEquals(RestartPolicy.ON_FAILURE, http.restartPolicy());
    assertEquals(List.of(new VolumeMount("cache", "/cache", true, "http")), http.mounts());

    ContainerSpec side = spec.containers().get(1);
    assertEquals(List.of("sleep", "100"), side.command(), "$(VAR) expands from the container's env");
    assertEquals("1", side.env().get("FROM_IMAGE"));
    assertEquals("/tmp", side.workingDir());
    assertEquals("1000:2000", side.user());
    assertEquals(RestartPolicy.ON_FAILURE, side.restartPolicy());
    assertEquals(List.of(VolumeMount.of("cache", "/data")), side.mounts());
    assertEquals(List.of("nginx:1.25 IfNotPresent", "busybox:1 IfNotPresent"), images.asked);
  }

  @Test
  void vmSettingsBecomeVmResources() {
    PodManifest written = parse("""
        apiVersion: peapod.dev/v1alpha1
        kind: PeaPod
        metadata:
          name: big
        spec:
          vm:
            vcpus: 2
            memory: 256Mi
            kernel: /boot/vmlinuz-test
          containers:
            - name: main
              image: busybox:1
        """);
    ManifestToPodSpec.Result result = new ManifestToPodSpec(images).convert(written);
    assertEquals(new VmResources(2, 256, Optional.of(Path.of("/boot/vmlinuz-test"))), result.spec().vm());
    assertEquals(List.of(), result.warnings());
    assertEquals(Duration.ofSeconds(30), result.spec().terminationGracePeriod());
    assertEquals(RestartPolicy.ALWAYS, result.spec().containers().get(0).restartPolicy(), "Always unless written");

    PodManifest sized = parse("""
        apiVersion: v1
        kind: Pod
        metadata:
          name: sized
        spec:
          containers:
            - name: main
              image: busybox:1
              resources:
                limits: {cpu: 1500m, memory: 100Mi}
        """);
    VmResources vm = new ManifestToPodSpec(images).convert(sized).spec().vm();
    assertEquals(sized.spec().vm().vcpus(), vm.vcpus(), "the manifest's computed sizing");
    assertEquals(sized.spec().vm().memoryMiB(), vm.memoryMiB());
    assertTrue(vm.vcpus() >= 2 && vm.memoryMiB() >= 100, vm::toString);
  }

  @Test
  void stdinStdinOnceAndTtyBecomeTheContainersStdio() {
    PodManifest manifest = parse("""
        apiVersion: v1
        kind: Pod
        metadata:
          name: shell
        spec:
          containers:
            - name: sh
              image: busybox:1
              stdin: true
              stdinOnce: true
              tty: true
            - name: web
              image: busybox:1
        """);
    List<ContainerSpec> containers = new ManifestToPodSpec(images).convert(manifest).spec().containers();
    assertEquals(new ContainerSpec.Stdio(true, true, true), containers.get(0).stdio());
    assertEquals(ContainerSpec.Stdio.NONE, containers.get(1).stdio());
  }

  @Test
  void aForcedAcceleratorIsAWarningNotSilence() {
    PodManifest manifest = parse("""
        apiVersion: peapod.dev/v1alpha1
        kind: PeaPod
        metadata:
          name: tcg
        spec:
          vm:
            accel: tcg
          containers:
            - name: main
              image: busybox:1
        """);
    ManifestToPodSpec.Result result = new ManifestToPodSpec(images).convert(manifest);
    assertEquals(1, result.warnings().size());
    assertTrue(result.warnings().get(0).toString().contains("spec.vm.accel: ignored"), result.warnings()::toString);
  }

  @Test
  void unusableHostPathsAreRefusedBeforeAnyPull() {
    PodManifest manifest = parse("""
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
        spec:
          containers:
            - name: main
              image: busybox:1
              volumeMounts:
                - name: host
                  mountPath: /host
          volumes:
            - name: host
              hostPath:
                path: /nonexistent/peapod-test
                type: Directory
            - name: sock
              hostPath:
                path: /run/docker.sock
                type: Socket
        """);
    HostPathAllowList nonexistent = HostPathAllowList.load(Path.of("/nonexistent/home"),
        Map.of("PEAPOD_HOSTPATHS", "/nonexistent"));
    ManifestRejectedException e = assertThrows(ManifestRejectedException.class,
        () -> new ManifestToPodSpec(images, nonexistent).convert(manifest));
    assertEquals(List.of(
        "pod.yaml:14:7: spec.volumes[0].hostPath: hostPath /nonexistent/peapod-test does not exist (a directory is"
            + " required by type Directory) (volume \"host\")",
        "pod.yaml:18:7: spec.volumes[1].hostPath: hostPath type Socket is not supported (volume \"sock\"); Peapod"
            + " shares directories and files: Directory, DirectoryOrCreate, File, FileOrCreate or none"),
        e.diagnostics().stream().map(Object::toString).toList());
    assertEquals(List.of(), images.asked, "nothing pulled for a pod that cannot run");
  }

  @Test
  void hostPathsOutsideTheAllowListAreRefusedAtTheirLine(@TempDir Path dir) throws Exception {
    Path repo = Files.createDirectories(dir.resolve("repo"));
    Path home = Files.createDirectories(dir.resolve("home"));
    Files.createDirectories(home.resolve("volumes/cache"));
    Files.createDirectories(repo.resolve("site"));
    Files.createSymbolicLink(repo.resolve("escape"), Path.of("/etc"));
    Path file = repo.resolve("pod.yaml");
    ParseResult parsed = ManifestParser.parse(file.toString(), """
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
        spec:
          containers:
            - name: main
              image: busybox:1
          volumes:
            - name: site
              hostPath: {path: site, type: Directory}
            - name: cache
              hostPath: {path: %s, type: Directory}
            - name: etc
              hostPath: {path: /etc, type: Directory}
            - name: up
              hostPath: {path: ../home, type: Directory}
            - name: link
              hostPath: {path: escape/passwd, type: File}
        """.formatted(home.resolve("volumes/cache")));
    assertTrue(parsed.isValid(), parsed.diagnostics()::toString);
    PodManifest manifest = parsed.manifests().get(0);

    List<String> problems = ManifestToPodSpec.unsupported(manifest, HostPathAllowList.load(home, Map.of()))
        .stream().map(Object::toString).toList();

    String allowed = " is outside the directories manifests may share: the manifest's directory " + repo + ", "
        + home.resolve("volumes") + "; allow more in " + home.resolve("hostpaths.yaml")
        + " (allow: [DIR, ...]) or PEAPOD_HOSTPATHS=DIR:DIR";
    assertEquals(List.of(
        file + ":15:7: spec.volumes[2].hostPath: hostPath /etc" + allowed + " (volume \"etc\")",
        file + ":17:7: spec.volumes[3].hostPath: hostPath " + home + allowed + " (volume \"up\")",
        file + ":19:7: spec.volumes[4].hostPath: hostPath " + repo.resolve("escape/passwd") + " (/etc/passwd)"
            + allowed + " (volume \"link\")"), problems);
    assertThrows(ManifestRejectedException.class, () -> new ManifestToPodSpec(images, HostPathAllowList.load(home,
        Map.of())).convert(manifest));
    assertEquals(List.of(), images.asked, "nothing pulled for a pod that cannot run");

    // More only by configuration: hostpaths.yaml, or PEAPOD_HOSTPATHS.
    Files.writeString(home.resolve("hostpaths.yaml"), "allow:\n  - /etc\n");
    assertEquals(1, ManifestToPodSpec.unsupported(manifest, HostPathAllowList.load(home, Map.of())).size());
    assertEquals(List.of(), ManifestToPodSpec.unsupported(manifest, HostPathAllowList.load(home,
        Map.of("PEAPOD_HOSTPATHS", home + ":/usr"))));
  }

  /**
   * The spec keeps a hostPath's real path (the provider then opens it with no symlink followed), and a
   * directory replaced by a symlink to /etc (a container can do that through a writable hostPath of
   * its own) is refused by the next conversion, not kept as /etc nor as the path an earlier one saw.
   */
  @Test
  void aHostPathIsKeptAsItsRealPathAndCheckedAsKept(@TempDir Path dir) throws Exception {
    Path repo = Files.createDirectories(dir.resolve("repo"));
    Path home = Files.createDirectories(dir.resolve("home"));
    Path site = Files.createDirectories(repo.resolve("data/site"));
    Files.createSymbolicLink(repo.resolve("alias"), site);
    Path inner = Files.createDirectories(repo.resolve("data/inner"));
    ParseResult parsed = ManifestParser.parse(repo.resolve("pod.yaml").toString(), """
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
        spec:
          containers:
            - name: main
              image: busybox:1
          volumes:
            - name: site
              hostPath: {path: alias, type: Directory}
            - name: inner
              hostPath: {path: data/inner, type: Directory}
        """);
    PodManifest manifest = parsed.manifests().get(0);
    HostPathAllowList allowList = HostPathAllowList.load(home, Map.of());
    assertEquals(List.of(), ManifestToPodSpec.unsupported(manifest, allowList));
    PodSpec spec = new ManifestToPodSpec(images, allowList).convert(manifest).spec();
    assertEquals(List.of(site, inner), spec.volumes().stream().map(v -> v.hostPath().path()).toList(),
        "the real paths, with no symlink for the provider to follow");

    Files.delete(inner);
    Files.createSymbolicLink(inner, Path.of("/etc"));
    ManifestRejectedException e = assertThrows(ManifestRejectedException.class,
        () -> new ManifestToPodSpec(images, allowList).convert(manifest));
    assertTrue(e.getMessage().contains("hostPath " + inner + " (/etc) is outside the directories manifests may share"),
        e.getMessage());
  }

  @Test
  void aBrokenHostPathsFileIsAnErrorNamingIt(@TempDir Path home) throws Exception {
    Files.writeString(home.resolve("hostpaths.yaml"), "allow:\n  - relative/dir\n");
    HostPathAllowList.InvalidHostPathsException e = assertThrows(HostPathAllowList.InvalidHostPathsException.class,
        () -> HostPathAllowList.load(home, Map.of()));
    assertEquals(home.resolve("hostpaths.yaml") + ": allow[0]: \"relative/dir\" is not an absolute path",
        e.getMessage());
  }

  @Test
  void hostPathsBecomeVolumesResolvedAgainstTheManifestsDirectory(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("site"));
    Files.writeString(dir.resolve("app.conf"), "x");
    ParseResult parsed = ManifestParser.parse(dir.resolve("pods/web.yaml").toString(), """
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
        spec:
          containers:
            - name: main
              image: busybox:1
              volumeMounts:
                - {name: site, mountPath: /srv, readOnly: true}
                - {name: conf, mountPath: /etc/app.conf, subPath: ""}
                - {name: logs, mountPath: /logs}
          volumes:
            - name: site
              hostPath: {path: ../site, type: Directory}
            - name: conf
              hostPath: {path: %s, type: File}
            - name: logs
              hostPath: {path: logs}
        """.formatted(dir.resolve("app.conf")));
    assertTrue(parsed.isValid(), parsed.diagnostics()::toString);

    HostPathAllowList allowed = HostPathAllowList.load(dir.resolve("home"), Map.of("PEAPOD_HOSTPATHS",
        dir.toString()));
    PodSpec spec = new ManifestToPodSpec(images, allowed).convert(parsed.manifests().get(0)).spec();

    assertEquals(List.of(
        VolumeSpec.hostPath("site", new HostPath(dir.resolve("site"), HostPath.Type.DIRECTORY)),
        VolumeSpec.hostPath("conf", new HostPath(dir.resolve("app.conf"), HostPath.Type.FILE)),
        VolumeSpec.hostPath("logs", new HostPath(dir.resolve("pods/logs"), HostPath.Type.UNSET))),
        spec.volumes());
    assertEquals(new VolumeMount("site", "/srv", true, ""), spec.containers().get(0).mounts().get(0));
  }

  @Test
  void initContainersKeepKubernetesRestartMeaning() {
    PodManifest manifest = parse("""
        apiVersion: peapod.dev/v1alpha1
        kind: PeaPod
        metadata:
          name: web
        spec:
          restartPolicy: Always
          initContainers:
            - name: migrate
              image: busybox:1
              command: [sh, -c, "echo migrated"]
            - name: proxy
              image: nginx:1.25
              restartPolicy: Always
              ports:
                - containerPort: 9000
                  hostPort: 9000
          containers:
            - name: main
              image: busybox:1
        """);
    PodSpec spec = new ManifestToPodSpec(images).convert(manifest).spec();

    assertEquals(List.of("migrate", "proxy"), spec.initContainers().stream().map(ContainerSpec::name).toList());
    assertEquals(RestartPolicy.ON_FAILURE, spec.initContainers().get(0).restartPolicy(),
        "an init container of a pod with restartPolicy Always is retried on failure, as by the kubelet");
    assertEquals(List.of("sh", "-c", "echo migrated"), spec.initContainers().get(0).command());
    assertEquals(RestartPolicy.ALWAYS, spec.initContainers().get(1).restartPolicy(), "a sidecar");
    assertEquals(List.of("/docker-entrypoint.sh", "nginx", "-g"), spec.initContainers().get(1).command(),
        "image defaults apply to init containers too");
    assertEquals(9000, spec.ports().get(0).hostPort(), "a sidecar's ports are forwarded");
    assertEquals(List.of("migrate", "proxy", "main"), spec.allContainers().stream().map(ContainerSpec::name).toList());
  }

  @Test
  void initContainersOfAPodWithRestartPolicyNeverAreNotRetried() {
    PodManifest manifest = parse("""
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
        spec:
          restartPolicy: Never
          initContainers:
            - name: migrate
              image: busybox:1
          containers:
            - name: main
              image: busybox:1
        """);
    PodSpec spec = new ManifestToPodSpec(images).convert(manifest).spec();

    assertEquals(RestartPolicy.NEVER, spec.initContainers().get(0).restartPolicy());
  }

  @Test
  void aContainerWithNothingToRunIsADiagnostic() {
    images.with("empty:1", ImageConfig.of(null, null, List.of(), "", ""));
    PodManifest manifest = parse("""
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
        spec:
          containers:
            - name: main
              image: empty:1
        """);
    ManifestRejectedException e = assertThrows(ManifestRejectedException.class,
        () -> new ManifestToPodSpec(images).convert(manifest));
    assertTrue(e.getMessage().startsWith("pod.yaml:7:7: spec.containers[0]: container \"main\" has no command"),
        e::getMessage);
  }

  @Test
  void aMissingImageFailsWithTheStoresError() {
    PodManifest manifest = parse("""
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
        spec:
          containers:
            - name: main
              image: nosuch:1
              imagePullPolicy: Never
        """);
    assertThrows(ImageNotFoundException.class, () -> new ManifestToPodSpec(images).convert(manifest));
    assertEquals(List.of("nosuch:1 Never"), images.asked);
  }

  /**
   * The attack: a manifest sent to the controller's API named paths under the controller's working
   * directory (absolute, relative, or as a file:// file), which the allow-list took for the manifest's
   * own directory. A request has no directory: only the configured roots are allowed.
   */
  @Test
  void aManifestFromAnApiRequestLendsNoDirectoryToHostPaths(@TempDir Path home) throws Exception {
    Path workingDirectory = Path.of("").toAbsolutePath();
    ParseResult parsed = ManifestParser.parse(ManifestToPodSpec.API_REQUEST_ORIGIN, """
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
        spec:
          containers:
            - name: app
              image: busybox:1.36
          volumes:
            - name: absolute
              hostPath: {path: %s, type: Directory}
            - name: relative
              hostPath: {path: ., type: Directory}
            - name: files
              files:
                files:
                  - path: pom
                    uri: file://pom.xml
        """.formatted(workingDirectory));
    assertTrue(parsed.isValid(), () -> parsed.diagnostics().all().toString());
    PodManifest manifest = parsed.manifests().get(0);

    assertTrue(ManifestToPodSpec.namesHostPaths(manifest));
    List<String> problems = ManifestToPodSpec.unsupported(manifest, HostPathAllowList.load(home, Map.of()))
        .stream().map(Object::toString).toList();
    assertEquals(3, problems.size(), problems::toString);
    assertTrue(problems.get(0).contains("spec.volumes[0].hostPath: hostPath " + workingDirectory), problems::toString);
    assertTrue(problems.get(1).contains("spec.volumes[1].hostPath: hostPath " + workingDirectory), problems::toString);
    assertTrue(problems.get(2).contains("uri \"file://pom.xml\" is relative, and the manifest has no directory"),
        problems::toString);
  }
}
