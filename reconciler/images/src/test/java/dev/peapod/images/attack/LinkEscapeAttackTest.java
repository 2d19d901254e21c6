package dev.peapod.images.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.images.ImageException;
import dev.peapod.images.layer.LayerApplier;
import dev.peapod.images.oci.Digest;
import dev.peapod.images.testing.TarBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Layers that replace a path component with a symlink (or link through one) so that a later
 * write, link, whiteout or the deferred directory modes and mtimes land outside the root.
 * The target is a directory beside the root that the test owns: after every attack its tree
 * (names, modes, mtimes, contents, link counts) must be exactly as before.
 */
class LinkEscapeAttackTest {
  private static final FileTime OLD = FileTime.fromMillis(1_000_000_000_000L);

  @TempDir Path tmp;
  Path root;
  Path outside;
  Map<String, String> before;

  @BeforeEach
  void setUp() throws IOException {
    root = Files.createDirectory(tmp.resolve("rootfs"));
    outside = Files.createDirectory(tmp.resolve("outside"));
    Files.createDirectory(outside.resolve("etc"));
    Files.writeString(outside.resolve("etc/passwd"), "host passwd");
    Files.writeString(outside.resolve("secret"), "host secret");
    Files.setAttribute(outside.resolve("etc"), "unix:mode", 0750);
    Files.setAttribute(outside, "unix:mode", 0750);
    for (Path p : new Path[] {outside.resolve("etc/passwd"), outside.resolve("secret"), outside.resolve("etc"), outside}) {
      Files.setLastModifiedTime(p, OLD);
    }
    before = snapshot(outside);
  }

  @AfterEach
  void outsideIsUntouched() throws IOException {
    assertEquals(before, snapshot(outside), "the directory outside the root changed");
  }

  /** Layer: {@code x/etc} mode 0777, then {@code x} becomes a symlink to the host directory (issue 12, item 1). */
  @Test
  void chmodThroughParentReplacedByAbsoluteSymlink() throws IOException {
    apply(new TarBuilder().dir("x", 0755).dir("x/etc", 0777).symlink("x", outside.toString()));
    assertTrue(Files.isSymbolicLink(root.resolve("x")));
  }

  @Test
  void chmodThroughParentReplacedByRelativeSymlink() throws IOException {
    apply(new TarBuilder().dir("x/etc", 0777).symlink("x", "../outside"));
  }

  @Test
  void chmodThroughParentReplacedBySymlinkInALaterLayer() throws IOException {
    apply(new TarBuilder().dir("x/etc", 0777).dir("x", 0777),
        new TarBuilder().symlink("x", outside.toString()));
  }

  @Test
  void chmodThroughGrandparentReplacedBySymlink() throws IOException {
    apply(new TarBuilder().dir("a/outside/etc", 0777).symlink("a", ".."),
        new TarBuilder().file("c", "c"));
  }

  @Test
  void chmodOfDirectoryItselfReplacedBySymlink() throws IOException {
    apply(new TarBuilder().dir("etc", 0777).symlink("etc", outside.resolve("etc").toString()));
    assertTrue(Files.isSymbolicLink(root.resolve("etc")));
  }

  @Test
  void directoryModeAppliesToTheNewDirectoryNotTheOldOneAfterAWhiteout() throws IOException {
    apply(new TarBuilder().dir("x/etc", 0777),
        new TarBuilder().whiteout("", "x").file("x/etc/hosts", "h"));
    assertEquals(0755, mode(root.resolve("x/etc")) & 07777, "the whited-out directory's 0777 is not applied to its successor");
  }

  @Test
  void fileWrittenThroughSymlinkLandsInsideTheRoot() throws IOException {
    apply(new TarBuilder().symlink("x", outside.toString()).file("x/secret", "overwritten").dir("x/etc", 0777)
        .file("x/etc/passwd", "overwritten"));
    assertEquals("overwritten", Files.readString(root.resolve(outside.toString().substring(1)).resolve("secret")));
  }

  @Test
  void fileThroughDirectoryReplacedBySymlinkBetweenEntries() throws IOException {
    apply(new TarBuilder().dir("x", 0755).file("x/a", "a").symlink("x", outside.toString()).file("x/secret", "new")
        .file("x/etc/passwd", "new"));
  }

  @Test
  void hardlinkToAPathThroughASymlinkedParent() {
    ImageException e = assertThrows(ImageException.class, () ->
        apply(new TarBuilder().symlink("x", outside.toString()).hardlink("stolen", "x/secret")));
    assertTrue(e.getMessage().contains("does not exist in the image"), e.getMessage());
  }

  @Test
  void hardlinkWhoseNameGoesThroughASymlinkedParent() throws IOException {
    apply(new TarBuilder().file("a", "a").symlink("x", outside.toString()).hardlink("x/secret", "a"));
    assertEquals("a", Files.readString(root.resolve(outside.toString().substring(1)).resolve("secret")));
  }

  @Test
  void hardlinkToASymlinkThatPointsOutside() throws IOException {
    apply(new TarBuilder().symlink("s", outside.resolve("secret").toString()).hardlink("h", "s"));
    assertTrue(Files.isSymbolicLink(root.resolve("h")), "link(2) links the symlink, not its target");
  }

  @Test
  void whiteoutOfAPathThroughASymlink() throws IOException {
    apply(new TarBuilder().symlink("x", outside.toString()),
        new TarBuilder().whiteout("x", "secret").whiteout("x", "etc").opaque("x"));
  }

  @Test
  void opaqueDirectoryReplacedBySymlink() throws IOException {
    apply(new TarBuilder().dir("x", 0755).file("x/a", "a"),
        new TarBuilder().symlink("x", outside.toString()).opaque("x"));
  }

  @Test
  void xattrOnDirectoryThroughReplacedParent() throws IOException {
    apply(new TarBuilder().dir("x", 0755).symlink("x", outside.toString())
        .entry("x/etc/", '5', 0777, 0, 0, new byte[0], "", Map.of("user.evil", new byte[] {1})));
  }

  private void apply(TarBuilder... layers) throws IOException {
    LayerApplier applier = new LayerApplier(root, true);
    int i = 0;
    for (TarBuilder layer : layers) {
      byte[] tar = layer.build();
      applier.apply(new ByteArrayInputStream(tar), Digest.sha256(tar), "attack-image", "layer " + ++i);
    }
    applier.finish();
  }

  /** Every path under {@code dir} with its type, mode, mtime, link count and content. */
  private static Map<String, String> snapshot(Path dir) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        String what = Integer.toOctalString(mode(p))
            + " " + Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS)
            + " " + Files.getAttribute(p, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
        if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          what += " " + Files.readString(p);
        }
        out.put(dir.relativize(p).toString(), what);
      }
    }
    return out;
  }

  private static int mode(Path p) throws IOException {
    return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
  }

  @Test
  void snapshotNoticesAChmod() throws IOException {
    Files.setAttribute(outside.resolve("etc"), "unix:mode", 0777);
    assertFalse(before.equals(snapshot(outside)));
    Files.setAttribute(outside.resolve("etc"), "unix:mode", 0750);
    Files.setLastModifiedTime(outside.resolve("etc"), OLD);
  }
}
