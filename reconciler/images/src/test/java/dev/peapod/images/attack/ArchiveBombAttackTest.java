package dev.peapod.images.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.images.ImageLimitException;
import dev.peapod.images.ImageLimits;
import dev.peapod.images.ImageStore;
import dev.peapod.images.PullListener;
import dev.peapod.images.oci.Digest;
import dev.peapod.images.registry.RegistryConfig;
import dev.peapod.images.registry.RetryPolicy;
import dev.peapod.images.testing.LocalRegistry;
import dev.peapod.images.testing.OciImageBuilder;
import dev.peapod.images.testing.TarBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.OutputStream;
import java.util.zip.GZIPOutputStream;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Small images that expand into huge ones: PAX headers that pile up in memory, a sparse file
 * claiming a petabyte of holes, more entries or bytes than any real image has, and config,
 * manifest or index blobs that would be read whole into memory. Each must fail with an
 * {@link ImageLimitException} naming the image, the layer or blob and the limit, and leave no
 * image, no temporary files and no staged root behind.
 */
class ArchiveBombAttackTest {
  @TempDir static Path shared;
  static LocalRegistry registry;

  @TempDir Path tmp;

  @BeforeAll
  static void startRegistry() throws IOException {
    registry = LocalRegistry.start(shared.resolve("registry"));
  }

  @AfterAll
  static void stopRegistry() {
    if (registry != null) {
      registry.close();
    }
  }

  /** Fifty PAX headers of 900 KiB before one entry: ~45 KB of gzip that the old reader held as 45 MB of heap. */
  @Test
  void paxHeaderBomb() throws IOException {
    byte[] records = TarBuilder.paxRecords(Map.of("comment", "a".repeat(900 << 10).getBytes(StandardCharsets.UTF_8)));
    TarBuilder layer = new TarBuilder();
    for (int i = 0; i < 50; i++) {
      layer.entry("bomb", 'x', 0644, 0, 0, records, "", Map.of());
    }
    layer.file("bomb", "x");
    OciImageBuilder image = new OciImageBuilder().layer(layer.build(), OciImageBuilder.Compression.GZIP);

    ImageLimitException e = loadFails(image, ImageLimits.DEFAULT);

    assertMentions(e, "PAX and GNU long-name headers of one entry", "over the limit maxHeaderBytes (1 MiB)");
  }

  /**
   * The bomb from issue 12 as it was reported: fifty PAX headers of 8 MiB each (the old
   * per-header cap), ~400 KB of gzip, applied in a JVM with a 64 MiB heap, which the old
   * reader exhausted by keeping every header. Now the first header is refused unread.
   */
  @Test
  void paxHeaderBombInA64MiBHeap() throws Exception {
    byte[] records = TarBuilder.paxRecords(Map.of("comment", new byte[(8 << 20) - 32]));
    byte[] header = new TarBuilder().entry("bomb", 'x', 0644, 0, 0, records, "", Map.of()).build();
    byte[] file = new TarBuilder().file("bomb", "x").build();
    Path gzip = tmp.resolve("bomb.tar.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gzip), 1 << 16)) {
      for (int i = 0; i < 50; i++) {
        out.write(header, 0, header.length - 1024); // without the end-of-archive blocks
      }
      out.write(file);
    }
    Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m",
        "-cp", System.getProperty("java.class.path"), PaxBombProbe.class.getName(), gzip.toString(),
        tmp.resolve("root").toString()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(120, java.util.concurrent.TimeUnit.SECONDS), output);
    assertTrue(Files.size(gzip) < 1 << 20, "a small layer: " + Files.size(gzip) + " bytes");
    assertTrue(output.startsWith("REFUSED bomb: layer 1/1: PAX and GNU long-name headers of one entry reach"), output);
    assertTrue(output.contains("over the limit maxHeaderBytes (1 MiB)"), output);
  }

  @Test
  void paxGlobalHeaderBomb() throws IOException {
    TarBuilder layer = new TarBuilder();
    for (int i = 0; i < 50; i++) {
      byte[] records = TarBuilder.paxRecords(Map.of("key" + i, "a".repeat(100 << 10).getBytes(StandardCharsets.UTF_8)));
      layer.entry("global", 'g', 0644, 0, 0, records, "", Map.of());
    }
    layer.file("a", "a");
    ImageLimitException e = loadFails(new OciImageBuilder().layer(layer.build()), ImageLimits.DEFAULT);
    assertMentions(e, "PAX global headers", "maxHeaderBytes (1 MiB)");
  }

  /** Five bytes of data in a file whose PAX sparse map claims a real size of 1 PiB, which mkfs.erofs would write out. */
  @Test
  void sparseFileBomb() throws IOException {
    TarBuilder layer = new TarBuilder().paxEntry("sparse.img", '0', Map.of(
        "GNU.sparse.map", "0,5".getBytes(StandardCharsets.UTF_8),
        "GNU.sparse.size", Long.toString(1L << 50).getBytes(StandardCharsets.UTF_8)), "hello".getBytes());
    ImageLimitException e = loadFails(new OciImageBuilder().layer(layer.build()), ImageLimits.DEFAULT);
    assertMentions(e, "entry \"sparse.img\"", "sparse file of real size 1125899906842624 bytes",
        "over the limit maxFileBytes (4 GiB)");
  }

  @Test
  void tooManyEntries() throws IOException {
    TarBuilder layer = new TarBuilder();
    for (int i = 0; i < 101; i++) {
      layer.file("f" + i, "");
    }
    ImageLimitException e = loadFails(new OciImageBuilder().layer(layer.build()), ImageLimits.DEFAULT.withMaxEntries(100));
    assertMentions(e, "entry \"f100\"", "more than 100 entries, over the limit maxEntries");
  }

  /** Zeros compress a thousandfold: the sum over all layers counts, not each layer alone. */
  @Test
  void unpackedSizeBombAcrossLayers() throws IOException {
    OciImageBuilder image = new OciImageBuilder()
        .layer(new TarBuilder().file("a", 0644, new byte[600 << 10]).build())
        .layer(new TarBuilder().file("b", 0644, new byte[600 << 10]).build());
    ImageLimitException e = loadFails(image, ImageLimits.DEFAULT.withMaxUnpackedBytes(1 << 20));
    assertMentions(e, "layer 2/2 sha256:", "entry \"b\"", "add up to 1228800 bytes, over the limit maxUnpackedBytes (1 MiB)");
  }

  @Test
  void oversizedFile() throws IOException {
    OciImageBuilder image = new OciImageBuilder().layer(new TarBuilder().file("zeros", 0644, new byte[2 << 20]).build());
    ImageLimitException e = loadFails(image, ImageLimits.DEFAULT.withMaxFileBytes(1 << 20));
    assertMentions(e, "layer 1/1 sha256:", "file of 2097152 bytes, over the limit maxFileBytes (1 MiB)");
  }

  /**
   * A config of 2 MiB (one huge label), served by the real docker-registry to a store whose
   * limit is 1 MiB: refused before it is downloaded. (skopeo, which seeds the registry,
   * refuses configs over 4 MiB itself; the layout test below covers the default limit.)
   */
  @Test
  void oversizedConfigFromARegistry() throws IOException {
    Path layout = tmp.resolve("big-config");
    OciImageBuilder.Written written = new OciImageBuilder().layer(new TarBuilder().file("a", "a").build())
        .label("padding", "p".repeat(2 << 20)).writeLayout(layout, "1");
    registry.push(layout, "1", "bomb/config:1", false);
    Path root = tmp.resolve("store");
    try (ImageStore store = ImageStore.builder(root).retry(RetryPolicy.NONE)
        .limits(ImageLimits.DEFAULT.withMaxConfigBytes(1 << 20))
        .registries(RegistryConfig.empty().withInsecure(registry.host())).build()) {
      String reference = registry.host() + "/bomb/config:1";
      ImageLimitException e = assertThrows(ImageLimitException.class, () -> store.pull(reference, PullListener.NONE));
      assertMentions(e, reference + ": config " + written.config(), "over the limit maxConfigBytes (1 MiB)");
    }
    assertStoreClean(root, written.config());
  }

  @Test
  void oversizedConfigInAnOciLayout() throws IOException {
    ImageLimitException e = loadFails(bigConfigImage(), ImageLimits.DEFAULT);
    assertMentions(e, "over the limit maxConfigBytes (4 MiB)");
  }

  @Test
  void oversizedManifestInAnOciLayout() throws IOException {
    OciImageBuilder image = new OciImageBuilder();
    for (int i = 0; i < 40; i++) {
      image.layer(new TarBuilder().file("f" + i, "x").build());
    }
    ImageLimitException e = loadFails(image, ImageLimits.DEFAULT.withMaxManifestBytes(4096));
    assertMentions(e, "manifest sha256:", "over the limit maxManifestBytes (4 KiB)");
  }

  private static OciImageBuilder bigConfigImage() {
    return new OciImageBuilder().layer(new TarBuilder().file("a", "a").build()).label("padding", "p".repeat(5 << 20));
  }

  /** Loads the image from an OCI layout into a fresh store; returns the failure, after checking the store is clean. */
  private ImageLimitException loadFails(OciImageBuilder image, ImageLimits limits) throws IOException {
    Path layout = tmp.resolve("layout");
    OciImageBuilder.Written written = image.writeLayout(layout, "1");
    Path root = tmp.resolve("store");
    ImageLimitException e;
    try (ImageStore store = ImageStore.builder(root).limits(limits).build()) {
      e = assertThrows(ImageLimitException.class, () -> store.load(layout, "bomb:1", PullListener.NONE));
    }
    assertTrue(e.getMessage().startsWith(layout + ": "), "names the image: " + e.getMessage());
    assertStoreClean(root, null);
    return e;
  }

  private static void assertMentions(Exception e, String... parts) {
    for (String part : parts) {
      assertTrue(e.getMessage().contains(part), "\"" + part + "\" missing from: " + e.getMessage());
    }
  }

  /** No image, no reference, nothing under tmp/ and nothing staged in memory by this process. */
  private static void assertStoreClean(Path root, Digest absentBlob) throws IOException {
    assertEquals(List.of(), list(root.resolve("images")), "no (partial) image");
    assertEquals(List.of(), list(root.resolve("tmp")), "no temporary files");
    assertFalse(Files.exists(root.resolve("refs.json")) && Files.readString(root.resolve("refs.json")).contains("bomb"),
        "no reference");
    Path staging = Path.of("/dev/shm/peapod-images-" + Files.getAttribute(root, "unix:uid"));
    if (Files.isDirectory(staging)) {
      String ours = ProcessHandle.current().pid() + "-";
      assertEquals(List.of(), list(staging).stream().filter(n -> n.startsWith(ours)).toList(), "no staged root");
    }
    if (absentBlob != null) {
      assertFalse(Files.exists(root.resolve("blobs/sha256/" + absentBlob.hex())), "the oversized blob was not stored");
    }
  }

  private static List<String> list(Path dir) throws IOException {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
