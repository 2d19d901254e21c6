package dev.peapod.images.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.images.ImageFormatException;
import dev.peapod.images.ImageStore;
import dev.peapod.images.PullListener;
import dev.peapod.images.RegistryException;
import dev.peapod.images.registry.RegistryConfig;
import dev.peapod.images.registry.RetryPolicy;
import dev.peapod.images.testing.OciImageBuilder;
import dev.peapod.images.testing.StallingRegistry;
import dev.peapod.images.testing.TarBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A registry that sends the headers and half a body and then nothing, on a connection it keeps
 * open: before the idle timeout a pull waited for ever (HttpClient times out only the headers),
 * holding the lock of the pod it pulled for.
 */
@Timeout(60)
class StalledRegistryTest {
  @TempDir Path tmp;
  StallingRegistry registry;
  String layer;
  dev.peapod.images.oci.Digest manifest;

  @BeforeEach
  void start() throws IOException {
    Path layout = tmp.resolve("layout");
    byte[] big = new byte[256 << 10];
    new java.util.Random(1).nextBytes(big); // incompressible: the half sent is a real part of the body
    OciImageBuilder.Written image = new OciImageBuilder()
        .layer(new TarBuilder().file("etc/data", 0644, big).build())
        .cmd("cat", "/etc/data").writeLayout(layout, "1");
    manifest = image.manifest();
    layer = new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(layout.resolve("blobs/sha256/" + image.manifest().hex()).toFile())
        .path("layers").get(0).path("digest").asText();
    registry = new StallingRegistry(layout);
  }

  @AfterEach
  void stop() throws IOException {
    registry.close();
  }

  /** The idle timeout as registries.yaml/json gives it. */
  private static RegistryConfig idleTimeout(String seconds) {
    return RegistryConfig.parse(("{\"idleTimeoutSeconds\": " + seconds + "}").getBytes(StandardCharsets.UTF_8), "registries.json");
  }

  @Test
  void aStalledLayerFailsAfterTheIdleTimeoutNamingTheRegistryTheBlobAndTheTimeout() throws IOException {
    registry.stall(layer);
    try (ImageStore store = ImageStore.builder(tmp.resolve("store")).registries(idleTimeout("0.3"))
        .retry(RetryPolicy.NONE).build()) {
      long t0 = System.nanoTime();
      RegistryException e = assertThrows(RegistryException.class,
          () -> store.pull(registry.host() + "/app:1", PullListener.NONE));
      long millis = (System.nanoTime() - t0) / 1_000_000;
      assertEquals(registry.host() + "/app:1: downloading layer " + layer + " failed after 1 attempt: registry "
          + registry.host() + " sent no data of blob " + layer + " for 300 ms (idle timeout)", e.getMessage());
      assertTrue(millis < 10_000, "gave up after " + millis + " ms");
      try (Stream<Path> left = Files.list(tmp.resolve("store/tmp"))) {
        assertEquals(0, left.count(), "the half-downloaded blob is not kept");
      }
    }
  }

  @Test
  void aStalledTransferIsRetriedAndEachTryIsBounded() throws IOException {
    registry.stall(layer);
    try (ImageStore store = ImageStore.builder(tmp.resolve("store")).registries(idleTimeout("0.2"))
        .retry(new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(50))).build()) {
      RegistryException e = assertThrows(RegistryException.class,
          () -> store.pull(registry.host() + "/app:1", PullListener.NONE));
      assertTrue(e.getMessage().contains("failed after 3 attempts: registry " + registry.host()
          + " sent no data of blob " + layer + " for 200 ms (idle timeout)"), e.getMessage());
      assertEquals(3, registry.requests.stream().filter(p -> p.endsWith("/blobs/" + layer)).count(), registry.requests.toString());
    }
  }

  @Test
  void aStalledConfigIsARegistryErrorNotAStoreError() throws IOException {
    String config = new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(tmp.resolve("layout/blobs/sha256/" + manifest.hex()).toFile()).path("config").path("digest").asText();
    registry.stall(config);
    try (ImageStore store = ImageStore.builder(tmp.resolve("store")).registries(idleTimeout("0.3"))
        .retry(RetryPolicy.NONE).build()) {
      RegistryException e = assertThrows(RegistryException.class,
          () -> store.pull(registry.host() + "/app:1", PullListener.NONE));
      assertEquals(registry.host() + "/app:1: downloading config " + config + " failed: registry " + registry.host()
          + " sent no data of blob " + config + " for 300 ms (idle timeout)", e.getMessage());
    }
  }

  @Test
  void aStalledManifestFailsTheSameWay() {
    registry.stall("1");
    try (ImageStore store = ImageStore.builder(tmp.resolve("store")).registries(idleTimeout("0.3"))
        .retry(RetryPolicy.NONE).build()) {
      RegistryException e = assertThrows(RegistryException.class,
          () -> store.pull(registry.host() + "/app:1", PullListener.NONE));
      assertTrue(e.getMessage().endsWith("reading manifest from " + registry.host() + " failed: registry "
          + registry.host() + " sent no data of manifest 1 for 300 ms (idle timeout)"), e.getMessage());
    }
  }

  @Test
  void theIdleTimeoutMustBeAPositiveNumberOfSeconds() {
    assertEquals(Duration.ofSeconds(30), RegistryConfig.empty().idleTimeout());
    assertEquals(Duration.ofMillis(1500), idleTimeout("1.5").idleTimeout());
    ImageFormatException e = assertThrows(ImageFormatException.class, () -> idleTimeout("\"soon\""));
    assertTrue(e.getMessage().contains("idleTimeoutSeconds must be a positive number of seconds"), e.getMessage());
    assertThrows(ImageFormatException.class, () -> idleTimeout("0"));
  }
}
