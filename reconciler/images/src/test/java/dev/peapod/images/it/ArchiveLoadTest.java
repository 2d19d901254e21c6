package dev.peapod.images.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.images.DigestMismatchException;
import dev.peapod.images.ImageFormatException;
import dev.peapod.images.ImageStore;
import dev.peapod.images.PullListener;
import dev.peapod.images.StoredImage;
import dev.peapod.images.UnsafeLayerException;
import dev.peapod.images.testing.ErofsImage;
import dev.peapod.images.testing.OciImageBuilder;
import dev.peapod.images.testing.TarBuilder;
import dev.peapod.images.testing.TestImages;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loads without a registry: OCI layout directories, OCI archives, docker-save archives. */
class ArchiveLoadTest {
  @TempDir Path tmp;
  ImageStore store;

  @BeforeEach
  void open() {
    store = ImageStore.builder(tmp.resolve("store")).build();
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void loadsAnOciLayoutDirectory() throws IOException {
    Path layout = tmp.resolve("layout");
    TestImages.busybox().writeLayout(layout, "1.0");
    List<StoredImage> images = store.load(layout, "example.com/tools/busybox:1.0", PullListener.NONE);
    assertEquals(1, images.size());
    assertEquals(List.of("example.com/tools/busybox:1.0"), images.get(0).references());
    Path root = ErofsImage.extract(images.get(0).rootfs(), tmp.resolve("x"));
    assertEquals(-1, Files.mismatch(Path.of("/bin/busybox"), root.resolve("bin/busybox")));
    assertFalse(Files.exists(root.resolve("etc/motd")));
  }

  @Test
  void stagingOnDiskAndOnTmpfsGiveTheSameFiles() throws IOException {
    Path layout = tmp.resolve("layout");
    TestImages.busybox().writeLayout(layout, "1.0");
    StoredImage inMemory = store.load(layout, "busybox:1", PullListener.NONE).get(0);
    StoredImage onDisk;
    try (ImageStore diskStore = ImageStore.builder(tmp.resolve("disk-store")).stageInMemory(false).build()) {
      onDisk = diskStore.load(layout, "busybox:1", PullListener.NONE).get(0);
    }
    Path a = ErofsImage.extract(inMemory.rootfs(), tmp.resolve("a"));
    Path b = ErofsImage.extract(onDisk.rootfs(), tmp.resolve("b"));
    try (Stream<Path> files = Files.walk(a)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        Path other = b.resolve(a.relativize(file).toString());
        assertEquals(Files.getAttribute(file, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS),
            Files.getAttribute(other, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS), file.toString());
        if (Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          assertEquals(-1, Files.mismatch(file, other), file.toString());
        }
      }
    }
    assertEquals(ErofsImage.mode(inMemory.rootfs(), "/usr/bin/setuid-tool"), ErofsImage.mode(onDisk.rootfs(), "/usr/bin/setuid-tool"));
  }

  @Test
  void ociArchiveAndDockerSaveOfOneImageShareTheBuiltImage() throws IOException {
    OciImageBuilder image = TestImages.busybox();
    Path layout = tmp.resolve("layout");
    image.writeLayout(layout, "1.0");
    Path ociArchive = tmp.resolve("busybox-oci.tar");
    OciImageBuilder.writeOciArchive(layout, ociArchive);
    Path dockerArchive = tmp.resolve("busybox-docker.tar");
    image.writeDockerSave(dockerArchive, "busybox:1.0");

    StoredImage fromOci = store.load(ociArchive, "busybox:oci", PullListener.NONE).get(0);
    RecordingListener listener = new RecordingListener();
    StoredImage fromDocker = store.load(dockerArchive, null, listener).get(0);

    assertEquals(fromOci.id(), fromDocker.id(), "same config, same image id");
    assertEquals(List.of("alreadyPresent"), listener.events.stream().filter(e -> !e.startsWith("layer")).toList(),
        "no second conversion");
    assertEquals(List.of("docker.io/library/busybox:1.0", "docker.io/library/busybox:oci"), fromDocker.references());
    assertEquals(List.of("sh"), fromDocker.config().cmd());
  }

  @Test
  void loadsCompressedDockerSaveAndDropsItsBookkeepingFiles() throws IOException {
    Path plain = tmp.resolve("plain.tar");
    TestImages.busybox().writeDockerSave(plain, "registry.example:5000/team/busybox:2");
    Path gz = tmp.resolve("image.tar.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
      Files.copy(plain, out);
    }
    StoredImage image = store.load(gz, null, PullListener.NONE).get(0);
    assertEquals(List.of("registry.example:5000/team/busybox:2"), image.references());
    try (Stream<Path> blobs = Files.list(tmp.resolve("store/blobs/sha256"))) {
      assertEquals(5, blobs.count(), "3 layers + config + generated manifest; VERSION and json files discarded");
    }
  }

  @Test
  void refusesADockerSaveWhoseLayerWasTamperedWith() throws IOException {
    OciImageBuilder honest = new OciImageBuilder().layer(new TarBuilder().file("a", "honest").build()).cmd("x");
    Path archive = tmp.resolve("honest.tar");
    honest.writeDockerSave(archive, "x:1");
    byte[] bytes = Files.readAllBytes(archive);
    String text = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
    int at = text.indexOf("honest");
    bytes[at] = 'H';
    Files.write(archive, bytes);
    DigestMismatchException e = assertThrows(DigestMismatchException.class, () -> store.load(archive, null, PullListener.NONE));
    assertTrue(e.getMessage().contains("does not match diff id"), e.getMessage());
  }

  @Test
  void refusesHostileLayersInArchives() {
    Path layout = tmp.resolve("hostile");
    new OciImageBuilder().layer(new TarBuilder().symlink("etc", "/").build())
        .layer(new TarBuilder().hardlink("shadow", "../../../etc/shadow").build()).cmd("x")
        .writeLayout(layout, "1");
    assertThrows(UnsafeLayerException.class, () -> store.load(layout, null, PullListener.NONE));
    assertEquals(List.of(), store.list());
  }

  @Test
  void saysWhatIsWrongWithThingsThatAreNotImages() throws IOException {
    Path notTar = Files.writeString(tmp.resolve("notes.txt"), "hello".repeat(200));
    ImageFormatException e = assertThrows(ImageFormatException.class, () -> store.load(notTar, null, PullListener.NONE));
    assertTrue(e.getMessage().contains("not a readable tar archive"), e.getMessage());
    Path dir = Files.createDirectories(tmp.resolve("plain-dir"));
    assertTrue(assertThrows(ImageFormatException.class, () -> store.load(dir, null, PullListener.NONE))
        .getMessage().contains("not an OCI image layout"));
  }
}
