package dev.peapod.images.layer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.images.DigestMismatchException;
import dev.peapod.images.ImageException;
import dev.peapod.images.ImageFormatException;
import dev.peapod.images.UnsafeLayerException;
import dev.peapod.images.oci.Digest;
import dev.peapod.images.testing.TarBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerApplierTest {
  @TempDir Path tmp;
  Path root;
  Path outside;
  LayerApplier applier;

  @BeforeEach
  void setUp() throws IOException {
    root = Files.createDirectory(tmp.resolve("rootfs"));
    outside = Files.createDirectory(tmp.resolve("outside"));
    Files.writeString(outside.resolve("secret"), "host file");
    applier = new LayerApplier(root, isRoot());
  }

  private void apply(TarBuilder... layers) throws IOException {
    int i = 0;
    for (TarBuilder layer : layers) {
      byte[] tar = layer.build();
      applier.apply(new ByteArrayInputStream(tar), Digest.sha256(tar), "test-image", "layer " + ++i);
    }
    applier.finish();
  }

  private void assertOutsideUntouched() throws IOException {
    try (Stream<Path> files = Files.list(outside)) {
      assertEquals(List.of(outside.resolve("secret")), files.toList());
    }
    assertEquals("host file", Files.readString(outside.resolve("secret")));
  }

  @Test
  void appliesFilesDirectoriesLinksModesAndOwners() throws IOException {
    apply(new TarBuilder()
        .dir("etc", 0755).file("etc/hosts", "127.0.0.1 localhost\n")
        .dir("tmp", 01777)
        .owned("home/u/.rc", 0600, 1000, 1001, "rc")
        .entry("usr/bin/su", '0', 04755, 0, 0, new byte[] {1}, "", Map.of())
        .symlink("bin", "usr/bin")
        .hardlink("etc/hosts2", "etc/hosts")
        .fifo("run/fifo")
        .fileWithXattrs("etc/x", "x", Map.of("user.k", new byte[] {0, (byte) 0x80, (byte) 0xff})));
    assertEquals("127.0.0.1 localhost\n", Files.readString(root.resolve("etc/hosts")));
    assertEquals(01777, mode("tmp"));
    assertEquals(04755, mode("usr/bin/su"));
    assertEquals(0600, mode("home/u/.rc"));
    assertEquals(0755, mode("home/u")); // implicit parents get 0755, not the umask
    assertEquals(Path.of("usr/bin"), Files.readSymbolicLink(root.resolve("bin")));
    assertEquals(Files.getAttribute(root.resolve("etc/hosts"), "unix:ino"), Files.getAttribute(root.resolve("etc/hosts2"), "unix:ino"));
    assertTrue(Files.getAttribute(root.resolve("run/fifo"), "unix:mode").equals(010600));
    if (isRoot()) {
      assertEquals(1000, Files.getAttribute(root.resolve("home/u/.rc"), "unix:uid"));
      assertEquals(1001, Files.getAttribute(root.resolve("home/u/.rc"), "unix:gid"));
    }
    UserDefinedFileAttributeView view = Files.getFileAttributeView(root.resolve("etc/x"), UserDefinedFileAttributeView.class);
    ByteBuffer value = ByteBuffer.allocate(3);
    view.read("k", value);
    assertArrayEquals(new byte[] {0, (byte) 0x80, (byte) 0xff}, value.array(), "binary xattr kept byte for byte");
  }

  @Test
  void whiteoutsDeleteLowerFilesAndOpaqueDirectoriesHideLowerContent() throws IOException {
    apply(
        new TarBuilder().file("etc/motd", "hi").file("etc/keep", "k").dir("data", 0755).file("data/old", "o")
            .dir("data/sub", 0755).file("data/sub/deep", "d").file("gone/a/b", "b"),
        new TarBuilder().whiteout("etc", "motd").whiteout("", "gone")
            .file("data/new", "n").opaque("data").file("data/sub/fresh", "f"));
    assertFalse(Files.exists(root.resolve("etc/motd")));
    assertTrue(Files.exists(root.resolve("etc/keep")));
    assertFalse(Files.exists(root.resolve("gone")));
    assertFalse(Files.exists(root.resolve("data/old")), "opaque hides lower files");
    assertFalse(Files.exists(root.resolve("data/sub/deep")), "opaque hides lower files in kept subdirectories");
    assertTrue(Files.exists(root.resolve("data/new")), "opaque keeps same-layer files written before the marker");
    assertTrue(Files.exists(root.resolve("data/sub/fresh")));
    try (Stream<Path> all = Files.walk(root)) {
      assertTrue(all.noneMatch(p -> p.getFileName().toString().startsWith(".wh.")), "whiteout markers are not content");
    }
  }

  @Test
  void laterLayersReplaceFilesDirectoriesAndLinks() throws IOException {
    apply(new TarBuilder().file("a", "file").dir("b", 0755).file("b/x", "x").symlink("c", "/etc"),
        new TarBuilder().dir("a", 0700).file("b", "now a file").file("c", "now a file too"));
    assertTrue(Files.isDirectory(root.resolve("a")));
    assertEquals("now a file", Files.readString(root.resolve("b")));
    assertFalse(Files.isSymbolicLink(root.resolve("c")));
  }

  @Test
  void followsSymlinkedParentsInsideTheRootLikeMergedUsr() throws IOException {
    apply(new TarBuilder().dir("usr/lib", 0755).symlink("lib", "usr/lib"),
        new TarBuilder().file("lib/libx.so", "elf"));
    assertEquals("elf", Files.readString(root.resolve("usr/lib/libx.so")));
    assertTrue(Files.isSymbolicLink(root.resolve("lib")));
  }

  // --- hostile layers -------------------------------------------------------------

  @Test
  void refusesDotDotTraversal() {
    UnsafeLayerException e = assertThrows(UnsafeLayerException.class,
        () -> apply(new TarBuilder().file("../outside/pwned", "x")));
    assertTrue(e.getMessage().contains("test-image: layer 1, entry \"../outside/pwned\""), e.getMessage());
    assertThrows(UnsafeLayerException.class, () -> apply(new TarBuilder().file("a/../../../outside/pwned", "x")));
  }

  @Test
  void absolutePathsLandInsideTheRoot() throws IOException {
    String hostPath = outside.resolve("pwned").toString();
    apply(new TarBuilder().file(hostPath, "x"));
    assertOutsideUntouched();
    assertEquals("x", Files.readString(root.resolve(hostPath.substring(1))));
  }

  @Test
  void symlinkedParentCannotLeadOutAbsoluteOrRelative() throws IOException {
    apply(new TarBuilder()
            .symlink("abs", outside.toString())
            .symlink("rel", "../../../../../../../../" + outside)
            .symlink("dotdot", ".."),
        new TarBuilder()
            .file("abs/pwned", "1")
            .file("rel/pwned", "2")
            .file("dotdot/pwned", "3"));
    assertOutsideUntouched();
    assertEquals("2", Files.readString(root.resolve(outside.toString().substring(1)).resolve("pwned")),
        "links resolve as if the root were /");
    assertEquals("3", Files.readString(root.resolve("pwned")));
  }

  @Test
  void fileEntryReplacesASymlinkInsteadOfWritingThroughIt() throws IOException {
    apply(new TarBuilder().symlink("escape", outside.resolve("secret").toString()),
        new TarBuilder().file("escape", "overwritten?"));
    assertOutsideUntouched();
    assertEquals("overwritten?", Files.readString(root.resolve("escape")));
  }

  @Test
  void refusesHardlinksToOutside() throws IOException {
    UnsafeLayerException e = assertThrows(UnsafeLayerException.class,
        () -> apply(new TarBuilder().hardlink("h", "../outside/secret")));
    assertTrue(e.getMessage().contains("outside the root"), e.getMessage());
    // through a symlinked directory: resolved inside the root, where there is no such file
    ImageException viaLink = assertThrows(ImageFormatException.class, () -> apply(
        new TarBuilder().symlink("o", outside.toString()).hardlink("h2", "o/secret")));
    assertTrue(viaLink.getMessage().contains("does not exist in the image"), viaLink.getMessage());
    assertOutsideUntouched();
    assertEquals(1, ((Number) Files.getAttribute(outside.resolve("secret"), "unix:nlink")).intValue());
  }

  @Test
  void whiteoutsCannotDeleteOutside() throws IOException {
    apply(new TarBuilder().symlink("o", outside.toString()), new TarBuilder().whiteout("o", "secret").opaque("o"));
    assertOutsideUntouched();
    assertThrows(UnsafeLayerException.class, () -> apply(new TarBuilder().whiteout("..", "outside")));
    assertOutsideUntouched();
  }

  @Test
  void refusesLayersWhoseContentDoesNotMatchTheDiffId() {
    byte[] tar = new TarBuilder().file("a", "a").build();
    DigestMismatchException e = assertThrows(DigestMismatchException.class, () ->
        applier.apply(new ByteArrayInputStream(tar), Digest.sha256(new byte[] {1}), "img", "layer 1/1"));
    assertTrue(e.getMessage().contains("does not match diff id"), e.getMessage());
  }

  @Test
  void refusesGarbageAsMalformedNotAsCrash() {
    byte[] garbage = new byte[1024];
    garbage[0] = 'x';
    assertThrows(ImageFormatException.class,
        () -> applier.apply(new ByteArrayInputStream(garbage), null, "img", "layer 1/1"));
  }

  private int mode(String path) throws IOException {
    return (Integer) Files.getAttribute(root.resolve(path), "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
  }

  static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }
}
