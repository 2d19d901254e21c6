package dev.peapod.images.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.images.ImageInUseException;
import dev.peapod.images.ImageNotFoundException;
import dev.peapod.images.ImageStore;
import dev.peapod.images.ImageUsage;
import dev.peapod.images.PlatformNotFoundException;
import dev.peapod.images.PruneResult;
import dev.peapod.images.PullListener;
import dev.peapod.images.RegistryAuthException;
import dev.peapod.images.RegistryException;
import dev.peapod.images.RemoveResult;
import dev.peapod.images.StoredImage;
import dev.peapod.images.UnsafeLayerException;
import dev.peapod.images.oci.Platform;
import dev.peapod.images.registry.RegistryConfig;
import dev.peapod.images.registry.RetryPolicy;
import dev.peapod.images.testing.ErofsImage;
import dev.peapod.images.testing.LocalRegistry;
import dev.peapod.images.testing.OciImageBuilder;
import dev.peapod.images.testing.TarBuilder;
import dev.peapod.images.testing.TestImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pulls from a real docker-registry seeded with skopeo; checks the erofs images with erofs-utils. */
class RegistryPullTest {
  private static final String USER = "peapod";
  private static final String PASSWORD = "s3cret";

  @TempDir static Path shared;
  static LocalRegistry registry;
  static LocalRegistry authRegistry;
  static Path debTree;

  @TempDir Path tmp;
  ImageStore store;

  @BeforeAll
  static void seed() throws IOException {
    assertTrue(Files.isExecutable(Path.of(LocalRegistry.BINARY)),
        LocalRegistry.BINARY + " missing: scripts/install-deps.sh installs docker-registry");
    registry = LocalRegistry.start(shared.resolve("registry"));
    authRegistry = LocalRegistry.startWithBasicAuth(shared.resolve("auth-registry"), USER, PASSWORD);

    Path busybox = shared.resolve("busybox-layout");
    TestImages.busybox().writeLayout(busybox, "1.0");
    registry.push(busybox, "1.0", "test/busybox:1.0", false);
    authRegistry.push(busybox, "1.0", "private/busybox:1.0", false);

    Path deb = shared.resolve("deb-layout");
    TestImages.debianPackage(shared.resolve("deb-work")).writeLayout(deb, "1");
    debTree = shared.resolve("deb-work/deb-root");
    registry.push(deb, "1", "test/attr:1", false);

    Path multi = shared.resolve("multi-layout");
    OciImageBuilder.writeMultiPlatformLayout(multi, "multi", List.of(
        new OciImageBuilder().layer(new TarBuilder().file("arch", "amd64").build()).cmd("amd64"),
        new OciImageBuilder().layer(new TarBuilder().file("arch", "arm64").build()).cmd("arm64").platform("arm64", "v8")));
    registry.push(multi, "multi", "test/multi:1", true);

    pushHostile("traversal", new TarBuilder().file("../../escaped", "x"));
    pushHostile("hardlink", new TarBuilder().hardlink("passwd", "../../../../etc/passwd"));
  }

  private static void pushHostile(String name, TarBuilder layer) {
    Path layout = shared.resolve("hostile-" + name);
    new OciImageBuilder().layer(new TarBuilder().dir("etc", 0755).build()).layer(layer.build()).cmd("sh").writeLayout(layout, "1");
    registry.push(layout, "1", "hostile/" + name + ":1", false);
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
    if (authRegistry != null) {
      authRegistry.close();
    }
  }

  /** No configuration: both registries are on 127.0.0.1, which is reached over plain HTTP as it is. */
  @BeforeEach
  void openStore() {
    store = storeWith(RegistryConfig.empty(), Platform.LINUX_AMD64);
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  private ImageStore storeWith(RegistryConfig config, Platform platform) {
    return ImageStore.builder(tmp.resolve("store")).registries(config).platform(platform)
        .retry(RetryPolicy.NONE).build();
  }

  @Test
  void pullsAMultiLayerImageIntoAnErofsWithLayersAppliedExactly() throws IOException {
    RecordingListener listener = new RecordingListener();
    StoredImage image = store.pull(registry.host() + "/test/busybox:1.0", listener);

    assertEquals(3, listener.count("layerDone cached=false"));
    assertEquals(List.of(registry.host() + "/test/busybox:1.0"), image.references());
    assertEquals(List.of("sh"), image.config().cmd());
    assertEquals(List.of("PATH=/bin:/usr/bin", "HOME=/root"), image.config().env());
    assertEquals(Map.of("org.example.test", "busybox"), image.config().labels());
    assertTrue(image.config().exposedPorts().contains("8080/tcp"));

    Path root = ErofsImage.extract(image.rootfs(), tmp.resolve("extracted"));
    assertEquals(-1, Files.mismatch(Path.of("/bin/busybox"), root.resolve("bin/busybox")));
    assertEquals(0755, mode(root.resolve("bin/busybox")));
    assertEquals(Path.of("busybox"), Files.readSymbolicLink(root.resolve("bin/sh")));
    for (String applet : TestImages.applets()) {
      assertTrue(Files.exists(root.resolve("bin/" + applet), LinkOption.NOFOLLOW_LINKS), applet);
    }
    assertFalse(Files.exists(root.resolve("etc/motd")), "whited out by layer 3");
    try (Stream<Path> data = Files.list(root.resolve("var/lib/data"))) {
      assertEquals(List.of("c"), data.map(p -> p.getFileName().toString()).toList(), "opaque directory");
    }
    assertEquals(0750, mode(root.resolve("var/lib/data")));
    assertEquals(01777, mode(root.resolve("tmp")));
    assertEquals(04755, ErofsImage.mode(image.rootfs(), "/usr/bin/setuid-tool"));
    assertEquals(01777, ErofsImage.mode(image.rootfs(), "/tmp"));
    assertEquals(0600, mode(root.resolve("home/user/.profile")));
    assertEquals(1000, Files.getAttribute(root.resolve("home/user/.profile"), "unix:uid"));
    assertEquals(1000, Files.getAttribute(root.resolve("home/user/.profile"), "unix:gid"));
    assertEquals(Path.of("/etc/passwd"), Files.readSymbolicLink(root.resolve("usr/share/doc/abs-link")));
    long[] readme = ErofsImage.inode(image.rootfs(), "/usr/share/doc/readme");
    long[] link = ErofsImage.inode(image.rootfs(), "/usr/share/doc/readme-link");
    assertEquals(readme[0], link[0], "hardlink shares the inode in the erofs");
    assertEquals(2, readme[1]);
  }

  @Test
  void pullsADebianPackageRootfsFileForFile() throws IOException {
    StoredImage image = store.pull(registry.host() + "/test/attr:1", PullListener.NONE);
    Path root = ErofsImage.extract(image.rootfs(), tmp.resolve("extracted"));
    List<String> compared = new ArrayList<>();
    try (Stream<Path> files = Files.walk(debTree)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        Path copy = root.resolve(debTree.relativize(file).toString());
        assertTrue(Files.exists(copy, LinkOption.NOFOLLOW_LINKS), copy.toString());
        assertEquals(mode(file), mode(copy), file.toString());
        if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
          assertEquals(-1, Files.mismatch(file, copy), file.toString());
        } else if (Files.isSymbolicLink(file)) {
          assertEquals(Files.readSymbolicLink(file), Files.readSymbolicLink(copy));
        }
        compared.add(file.toString());
      }
    }
    assertTrue(compared.size() > 10, "compared " + compared.size());
    assertEquals(List.of("/usr/bin/getfattr"), image.config().entrypoint());
  }

  @Test
  void secondUseAddsNoDownloadAndNoConversion() throws IOException {
    String ref = registry.host() + "/test/busybox:1.0";
    StoredImage first = store.pull(ref, PullListener.NONE);
    Object inode = Files.getAttribute(first.rootfs(), "unix:ino");

    RecordingListener ensure = new RecordingListener();
    StoredImage again = store.ensure(ref, ensure);
    assertEquals(List.of("alreadyPresent"), ensure.events, "ensure: no network, no build");

    RecordingListener pull = new RecordingListener();
    StoredImage pulledAgain = store.pull(ref, pull);
    assertEquals(List.of("alreadyPresent"), pull.events, "pull re-resolves the tag, nothing else");
    assertEquals(first.rootfs(), again.rootfs());
    assertEquals(inode, Files.getAttribute(pulledAgain.rootfs(), "unix:ino"), "the same erofs file, not rebuilt");
  }

  @Test
  void concurrentPullsOfOneImageShareOneDownloadAndBuild() throws Exception {
    RecordingListener listener = new RecordingListener();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<StoredImage>> pulls = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        pulls.add(pool.submit(() -> store.pull(registry.host() + "/test/busybox:1.0", listener)));
      }
      for (Future<StoredImage> pull : pulls) {
        assertEquals(pulls.get(0).get().id(), pull.get().id());
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(1, listener.count("building"), listener.events.toString());
    assertEquals(3, listener.count("layerStarted"), "each layer downloaded once: " + listener.events);
  }

  @Test
  void pinnedDigestPullsTheSameImage() {
    StoredImage byTag = store.pull(registry.host() + "/test/busybox:1.0", PullListener.NONE);
    StoredImage byDigest = store.pull(registry.host() + "/test/busybox@" + byTag.manifest(), PullListener.NONE);
    assertEquals(byTag.id(), byDigest.id());
    assertEquals(2, store.inspect(byTag.id().toString()).references().size());
  }

  @Test
  void imageIndexYieldsTheRequestedPlatform() throws IOException {
    String ref = registry.host() + "/test/multi:1";
    assertEquals(List.of("amd64"), store.pull(ref, PullListener.NONE).config().cmd());
    try (ImageStore arm = storeWith(RegistryConfig.empty(), new Platform("linux", "arm64", "v8"))) {
      StoredImage image = arm.pull(ref, PullListener.NONE);
      assertEquals(List.of("arm64"), image.config().cmd());
    }
    try (ImageStore s390 = storeWith(RegistryConfig.empty(), new Platform("linux", "s390x", null))) {
      PlatformNotFoundException e = assertThrows(PlatformNotFoundException.class, () -> s390.pull(ref, PullListener.NONE));
      assertTrue(e.getMessage().startsWith(ref + ": no image for platform linux/s390x"), e.getMessage());
      assertTrue(e.getMessage().contains("linux/amd64, linux/arm64/v8"), e.getMessage());
    }
  }

  @Test
  void unknownNamesAndTagsSaySo() {
    ImageNotFoundException name = assertThrows(ImageNotFoundException.class,
        () -> store.pull(registry.host() + "/no/such:1", PullListener.NONE));
    assertTrue(name.getMessage().contains("not found in no/such at " + registry.host()), name.getMessage());
    ImageNotFoundException tag = assertThrows(ImageNotFoundException.class,
        () -> store.pull(registry.host() + "/test/busybox:2.0", PullListener.NONE));
    assertTrue(tag.getMessage().contains("manifest 2.0 not found in test/busybox"), tag.getMessage());
  }

  @Test
  void aLoopbackRegistryIsPlainHttpWithoutConfigurationAndHttpsWhenConfiguredSo() {
    String ref = registry.host() + "/test/busybox:1.0";
    try (ImageStore unconfigured = storeWith(RegistryConfig.empty(), Platform.LINUX_AMD64)) {
      assertEquals(List.of("sh"), unconfigured.pull(ref, PullListener.NONE).config().cmd());
    }
    String localhost = "localhost:" + registry.host().substring("127.0.0.1:".length());
    try (ImageStore byName = ImageStore.builder(tmp.resolve("store-localhost")).registries(RegistryConfig.empty())
        .retry(RetryPolicy.NONE).build()) {
      assertEquals(List.of("sh"), byName.pull(localhost + "/test/busybox:1.0", PullListener.NONE).config().cmd());
    }
    RegistryConfig https = RegistryConfig.parse(("{\"registries\":{\"" + registry.host() + "\":{\"insecure\":false}}}")
        .getBytes(java.nio.charset.StandardCharsets.UTF_8), "registries.json");
    try (ImageStore tls = ImageStore.builder(tmp.resolve("store-tls")).registries(https).retry(RetryPolicy.NONE).build()) {
      RegistryException e = assertThrows(RegistryException.class, () -> tls.pull(ref, PullListener.NONE));
      assertTrue(e.getMessage().contains("cannot reach registry " + registry.host()), e.getMessage());
    }
  }

  @Test
  void basicAuthWithConfiguredOrDockerCredentials() throws IOException {
    String ref = authRegistry.host() + "/private/busybox:1.0";
    RegistryAuthException anonymous = assertThrows(RegistryAuthException.class, () -> store.pull(ref, PullListener.NONE));
    assertTrue(anonymous.getMessage().contains("requires authentication and no credentials are configured"), anonymous.getMessage());

    RegistryConfig base = RegistryConfig.empty();
    try (ImageStore wrong = storeWith(base.withCredentials(authRegistry.host(), USER, "wrong"), Platform.LINUX_AMD64)) {
      RegistryAuthException refused = assertThrows(RegistryAuthException.class, () -> wrong.pull(ref, PullListener.NONE));
      assertTrue(refused.getMessage().startsWith(ref + ": login refused by " + authRegistry.host() + " for user \"peapod\""),
          refused.getMessage());
    }
    Path dockerConfig = tmp.resolve("docker-config.json");
    Files.writeString(dockerConfig, "{\"auths\":{\"" + authRegistry.host() + "\":{\"auth\":\""
        + Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes()) + "\"}}}");
    try (ImageStore right = storeWith(base.withDockerConfig(dockerConfig), Platform.LINUX_AMD64)) {
      assertEquals(List.of("sh"), right.pull(ref, PullListener.NONE).config().cmd());
    }
  }

  @Test
  void hostileLayersFailThePullAndLeaveNothingBehind() throws IOException {
    UnsafeLayerException traversal = assertThrows(UnsafeLayerException.class,
        () -> store.pull(registry.host() + "/hostile/traversal:1", PullListener.NONE));
    assertTrue(traversal.getMessage().contains("entry \"../../escaped\": path climbs out of the root"), traversal.getMessage());
    assertFalse(Files.exists(tmp.resolve("escaped")));
    assertFalse(Files.exists(tmp.resolve("store/escaped")));
    UnsafeLayerException hardlink = assertThrows(UnsafeLayerException.class,
        () -> store.pull(registry.host() + "/hostile/hardlink:1", PullListener.NONE));
    assertTrue(hardlink.getMessage().contains("hardlink target"), hardlink.getMessage());
    assertEquals(List.of(), store.list());
    try (Stream<Path> work = Files.list(tmp.resolve("store/tmp")); Stream<Path> images = Files.list(tmp.resolve("store/images"))) {
      assertEquals(0, work.count(), "staging removed");
      assertEquals(0, images.count());
    }
  }

  @Test
  void removeRefusesImagesInUseAndPruneFreesTheRest() throws IOException {
    StoredImage busybox = store.pull(registry.host() + "/test/busybox:1.0", PullListener.NONE);
    store.pull(registry.host() + "/test/attr:1", PullListener.NONE);
    ImageUsage web = image -> image.id().equals(busybox.id()) ? List.of("web", "db") : List.of();

    ImageInUseException inUse = assertThrows(ImageInUseException.class,
        () -> store.remove(registry.host() + "/test/busybox:1.0", web));
    assertEquals(registry.host() + "/test/busybox:1.0: image is used by pods db, web; remove or change those pods first",
        inUse.getMessage());
    assertEquals(List.of("db", "web"), inUse.pods());
    assertTrue(Files.exists(busybox.rootfs()));

    RemoveResult removed = store.remove(registry.host() + "/test/attr:1", web);
    assertEquals(1, removed.deleted().size());
    PruneResult pruned = store.prune(web, true);
    assertEquals(List.of(), pruned.images(), "busybox is in use");
    assertEquals(1, pruned.blobs() > 0 ? 1 : 0, "attr's blobs freed: " + pruned);
    assertEquals(1, store.list().size());

    PruneResult all = store.prune(ImageUsage.NONE, true);
    assertEquals(List.of(busybox.id()), all.images());
    try (Stream<Path> blobs = Files.list(tmp.resolve("store/blobs/sha256"))) {
      assertEquals(0, blobs.count());
    }
    assertThrows(ImageNotFoundException.class, () -> store.inspect(busybox.id().toString()));
  }

  @Test
  void crashLeftoversAreCleanedOnOpen() throws IOException {
    store.close();
    Path tmpDir = tmp.resolve("store/tmp");
    Path dead = Files.createDirectories(tmpDir.resolve("999999999-image-x/rootfs"));
    Files.writeString(dead.resolve("half"), "partial");
    store = storeWith(RegistryConfig.empty(), Platform.LINUX_AMD64);
    assertFalse(Files.exists(tmpDir.resolve("999999999-image-x")));
  }

  private static int mode(Path p) throws IOException {
    return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
  }

}
