package dev.peapod.images.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.images.DigestMismatchException;
import dev.peapod.images.ImageStore;
import dev.peapod.images.PullListener;
import dev.peapod.images.RegistryAuthException;
import dev.peapod.images.RegistryException;
import dev.peapod.images.StoredImage;
import dev.peapod.images.UnsupportedMediaTypeException;
import dev.peapod.images.oci.MediaTypes;
import dev.peapod.images.registry.RegistryConfig;
import dev.peapod.images.registry.RetryPolicy;
import dev.peapod.images.testing.FakeRegistry;
import dev.peapod.images.testing.OciImageBuilder;
import dev.peapod.images.testing.TarBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Registry behaviour a real registry will not show on demand: tampering, outages, tokens, odd media types. */
class FakeRegistryTest {
  @TempDir Path tmp;
  FakeRegistry registry;
  OciImageBuilder.Written image;
  ImageStore store;

  @BeforeEach
  void start() throws IOException {
    Path layout = tmp.resolve("layout");
    image = new OciImageBuilder()
        .layer(new TarBuilder().file("etc/hello", "hello").build())
        .layer(new TarBuilder().file("etc/world", "world").build(), OciImageBuilder.Compression.ZSTD)
        .cmd("cat", "/etc/hello").writeLayout(layout, "1");
    registry = new FakeRegistry(layout);
    store = store(RegistryConfig.empty().withInsecure(registry.host()), RetryPolicy.NONE);
  }

  private ImageStore store(RegistryConfig config, RetryPolicy retry) {
    return ImageStore.builder(tmp.resolve("store")).registries(config).retry(retry).build();
  }

  @AfterEach
  void stop() {
    store.close();
    registry.close();
  }

  private String ref() {
    return registry.host() + "/app:1";
  }

  @Test
  void refusesATamperedLayerAndKeepsNoTraceOfIt() throws IOException {
    String layer = firstLayerDigest();
    registry.tamper(layer, OciImageBuilder.compress(new TarBuilder().file("etc/hello", "evil").build(), OciImageBuilder.Compression.GZIP));
    DigestMismatchException e = assertThrows(DigestMismatchException.class, () -> store.pull(ref(), PullListener.NONE));
    assertTrue(e.getMessage().startsWith(ref() + " layer " + layer), e.getMessage());
    assertTrue(e.getMessage().contains("content does not match its digest") || e.getMessage().contains("bytes for"), e.getMessage());
    assertTrue(Files.notExists(tmp.resolve("store/blobs/sha256/" + layer.substring(7))));
    awaitEmpty(tmp.resolve("store/tmp")); // the other layer's download is cancelled, its temp file removed
  }

  @Test
  void refusesATamperedManifestFetchedByDigest() {
    registry.tamper(image.manifest().toString(), "{\"schemaVersion\":2}".getBytes());
    DigestMismatchException e = assertThrows(DigestMismatchException.class,
        () -> store.pull(registry.host() + "/app@" + image.manifest(), PullListener.NONE));
    assertTrue(e.getMessage().contains("hashes to"), e.getMessage());
  }

  @Test
  void retriesServerErrorsAndRateLimitsThenSucceeds() {
    store.close();
    store = store(RegistryConfig.empty().withInsecure(registry.host()),
        new RetryPolicy(4, Duration.ofMillis(10), Duration.ofMillis(50)));
    registry.failNext(2, 503);
    RecordingListener listener = new RecordingListener();
    StoredImage pulled = store.pull(ref(), listener);
    assertEquals(2, listener.count("retrying HTTP 503"), listener.events.toString());
    registry.failNext(1, 429);
    store.pull(ref(), listener);
    assertEquals(1, listener.count("retrying HTTP 429"));
    assertEquals("cat", pulled.config().cmd().get(0));
  }

  @Test
  void givesUpAfterTheLastRetryNamingTheStatus() {
    registry.failNext(10, 502);
    RegistryException e = assertThrows(RegistryException.class, () -> store.pull(ref(), PullListener.NONE));
    assertTrue(e.getMessage().contains("answered HTTP 502 for manifest 1: UNAVAILABLE: try later"), e.getMessage());
  }

  @Test
  void connectionRefusedIsRetriedAndThenARegistryErrorNamingTheHostAndTheCauseInWords() {
    registry.close();
    store.close();
    store = store(RegistryConfig.empty(), new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(50)));
    RecordingListener listener = new RecordingListener();
    RegistryException e = assertThrows(RegistryException.class, () -> store.pull(ref(), listener));
    assertEquals(2, listener.count("retrying connection refused"), listener.events.toString());
    assertEquals(ref() + ": cannot reach registry " + registry.host() + " for manifest 1: connection refused",
        e.getMessage());
  }

  /** A name that does not resolve will not resolve on the fifth try: no retries, one clear line. */
  @Test
  void anUnresolvableRegistryHostFailsAtOnce() {
    store.close();
    store = store(RegistryConfig.empty(), RetryPolicy.DEFAULT); // five tries over ~6 s for what can recover
    RecordingListener listener = new RecordingListener();
    long t0 = System.nanoTime();
    RegistryException e = assertThrows(RegistryException.class, () -> store.pull("nosuch.invalid/x:1", listener));
    long millis = (System.nanoTime() - t0) / 1_000_000;
    assertEquals("nosuch.invalid/x:1: cannot resolve registry host \"nosuch.invalid\"", e.getMessage());
    assertEquals(0, listener.count("retrying"), listener.events.toString());
    assertTrue(millis < 1000, "failed after " + millis + " ms");
  }

  @Test
  void followsTheBearerTokenChallengeWithCredentials() {
    registry.requireToken("robot", "pw");
    RegistryAuthException anonymous = assertThrows(RegistryAuthException.class, () -> store.pull(ref(), PullListener.NONE));
    assertTrue(anonymous.getMessage().contains("requires authentication"), anonymous.getMessage());
    store.close();
    store = store(RegistryConfig.empty().withInsecure(registry.host()).withCredentials(registry.host(), "robot", "bad"), RetryPolicy.NONE);
    assertTrue(assertThrows(RegistryAuthException.class, () -> store.pull(ref(), PullListener.NONE))
        .getMessage().contains("login refused by " + registry.host() + " for user \"robot\""));
    store.close();
    store = store(RegistryConfig.empty().withInsecure(registry.host()).withCredentials(registry.host(), "robot", "pw"), RetryPolicy.NONE);
    registry.requests.clear();
    assertEquals("cat", store.pull(ref(), PullListener.NONE).config().cmd().get(0));
    assertEquals(1, registry.requests.stream().filter(r -> r.equals("GET /token")).count(), "one token for manifest and all blobs: " + registry.requests);
  }

  /**
   * A 401 names the token service, so a registry (or whoever answers in its name) could send the
   * user's password anywhere: to "localhost:PORT", another host than the registry's 127.0.0.1,
   * no credentials go unless that host is listed in the registry's tokenRealms.
   */
  @Test
  void credentialsGoOnlyToTheRegistrysOwnHostOrAConfiguredTokenRealm() throws IOException {
    try (FakeRegistry collector = new FakeRegistry(tmp.resolve("layout"))) {
      collector.requireToken("robot", "pw"); // a real token service for the registry, to show what a listed one gets
      String realmHost = "localhost:" + collector.host().substring("127.0.0.1:".length());
      registry.requireToken("robot", "pw");
      registry.tokenRealm("http://" + realmHost + "/token");
      RegistryConfig withCredentials = RegistryConfig.empty().withCredentials(registry.host(), "robot", "pw");

      store.close();
      store = store(withCredentials, RetryPolicy.NONE);
      RegistryAuthException e = assertThrows(RegistryAuthException.class, () -> store.pull(ref(), PullListener.NONE));
      assertEquals(List.of(""), collector.tokenAuthorizations, "asked anonymously, without the password");
      assertTrue(e.getMessage().contains(registry.host() + " sends its logins to the token service localhost, which is"
          + " neither its own host nor listed in its tokenRealms, so the credentials for it were not sent"), e.getMessage());
      assertTrue(e.getMessage().contains("add tokenRealms: [localhost] under " + registry.host()), e.getMessage());

      collector.tokenAuthorizations.clear();
      store.close();
      store = store(RegistryConfig.parse(("{\"registries\":{\"" + registry.host() + "\":{\"username\":\"robot\","
          + "\"password\":\"pw\",\"tokenRealms\":[\"" + realmHost + "\"]}}}").getBytes(java.nio.charset.StandardCharsets.UTF_8),
          "registries.json"), RetryPolicy.NONE);
      assertEquals("cat", store.pull(ref(), PullListener.NONE).config().cmd().get(0));
      assertTrue(collector.tokenAuthorizations.get(0).startsWith("Basic "), collector.tokenAuthorizations.toString());
    }
  }

  @Test
  void refusesUnsupportedMediaTypes() throws IOException {
    registry.addManifest("schema1", "{\"schemaVersion\":1,\"name\":\"app\",\"fsLayers\":[]}".getBytes(),
        "application/vnd.docker.distribution.manifest.v1+prettyjws");
    UnsupportedMediaTypeException schema1 = assertThrows(UnsupportedMediaTypeException.class,
        () -> store.pull(registry.host() + "/app:schema1", PullListener.NONE));
    assertTrue(schema1.getMessage().contains("Docker schema 1"), schema1.getMessage());

    Path other = tmp.resolve("other");
    OciImageBuilder.Written foreign = new OciImageBuilder().layer(new TarBuilder().file("a", "a").build())
        .layerMediaType("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip").cmd("x").writeBlobs(other);
    registry.addManifest("foreign", Files.readAllBytes(other.resolve("blobs/sha256/" + foreign.manifest().hex())),
        MediaTypes.OCI_MANIFEST);
    UnsupportedMediaTypeException layer = assertThrows(UnsupportedMediaTypeException.class,
        () -> store.pull(registry.host() + "/app:foreign", PullListener.NONE));
    assertTrue(layer.getMessage().contains("unsupported layer media type \"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip\""),
        layer.getMessage());

    String helmLike = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":{\"mediaType\":"
        + "\"application/vnd.cncf.helm.config.v1+json\",\"digest\":\"" + image.config() + "\",\"size\":2},\"layers\":[]}";
    registry.addManifest("chart", helmLike.getBytes(), MediaTypes.OCI_MANIFEST);
    assertTrue(assertThrows(UnsupportedMediaTypeException.class, () -> store.pull(registry.host() + "/app:chart", PullListener.NONE))
        .getMessage().contains("not a container image"));
  }

  @Test
  void triesMirrorsFirstAndFallsBackToTheRegistry() throws IOException {
    try (FakeRegistry emptyMirror = new FakeRegistry(Files.createDirectories(tmp.resolve("empty")).resolve("..").resolve("layout"))) {
      emptyMirror.failNext(100, 404);
      store.close();
      store = store(RegistryConfig.empty().withInsecure(registry.host()).withInsecure(emptyMirror.host())
          .withMirror(registry.host(), emptyMirror.host()), RetryPolicy.NONE);
      store.pull(ref(), PullListener.NONE);
      assertTrue(emptyMirror.requests.get(0).startsWith("GET /v2/app/manifests/1"), emptyMirror.requests.toString());
      assertTrue(registry.requests.contains("GET /v2/app/manifests/1"));
    }
  }

  private static void awaitEmpty(Path dir) throws IOException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (true) {
      try (Stream<Path> left = Files.list(dir)) {
        List<Path> files = left.toList();
        if (files.isEmpty()) {
          return;
        }
        if (System.nanoTime() > deadline) {
          throw new AssertionError("left in " + dir + ": " + files);
        }
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private String firstLayerDigest() throws IOException {
    var manifest = new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(tmp.resolve("layout/blobs/sha256/" + image.manifest().hex()).toFile());
    return manifest.path("layers").get(0).path("digest").asText();
  }
}
