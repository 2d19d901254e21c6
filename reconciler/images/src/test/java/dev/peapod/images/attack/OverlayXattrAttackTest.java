package dev.peapod.images.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.images.ImageStore;
import dev.peapod.images.PullListener;
import dev.peapod.images.StoredImage;
import dev.peapod.images.layer.LayerApplier;
import dev.peapod.images.oci.Digest;
import dev.peapod.images.testing.LocalRegistry;
import dev.peapod.images.testing.OciImageBuilder;
import dev.peapod.images.testing.TarBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A layer carrying overlayfs's own xattrs ({@code trusted.overlay.*}: opaque, redirect,
 * metacopy, origin) and LSM labels ({@code security.*}), which would forge the guest
 * overlay's state or pick the image's own security labels. Only {@code security.capability}
 * and ordinary xattrs may reach the root filesystem.
 */
class OverlayXattrAttackTest {
  private static final byte[] CAPABILITY = {1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

  @TempDir Path tmp;

  private static Map<String, byte[]> hostile() {
    Map<String, byte[]> xattrs = new LinkedHashMap<>();
    xattrs.put("trusted.overlay.opaque", bytes("y"));
    xattrs.put("trusted.overlay.redirect", bytes("/etc"));
    xattrs.put("trusted.overlay.metacopy", new byte[0]);
    xattrs.put("trusted.overlay.origin", new byte[] {0, 1, 2});
    xattrs.put("trusted.other", bytes("x"));
    xattrs.put("security.selinux", bytes("system_u:object_r:shadow_t:s0"));
    xattrs.put("security.SMACK64EXEC", bytes("_"));
    xattrs.put("security.ima", new byte[] {3, 2});
    xattrs.put("security.capability", CAPABILITY);
    xattrs.put("user.note", bytes("kept"));
    return xattrs;
  }

  /** Directories and files alike: only security.capability and user.* are set. */
  @Test
  void overlayAndSecurityXattrsInALayer() throws IOException {
    Path root = Files.createDirectory(tmp.resolve("rootfs"));
    byte[] tar = new TarBuilder()
        .entry("etc/", '5', 0755, 0, 0, new byte[0], "", hostile())
        .entry("etc/passwd", '0', 0644, 0, 0, bytes("root:x:0:0::/root:/bin/sh\n"), "", hostile())
        .build();
    LayerApplier applier = new LayerApplier(root, true);
    applier.apply(new ByteArrayInputStream(tar), Digest.sha256(tar), "attack-image", "layer 1");
    applier.finish();

    List<String> kept = List.of("security.capability", "user.note");
    assertEquals(kept, List.copyOf(xattrs(root.resolve("etc")).keySet()));
    assertEquals(kept, List.copyOf(xattrs(root.resolve("etc/passwd")).keySet()));
  }

  /**
   * Through the store into the erofs image the guest mounts as the overlay's lower layer.
   * erofs-utils 1.5 cannot list xattrs (fsck.erofs --extract drops them), so the image's
   * bytes are searched: erofs stores each name after its namespace prefix and each value raw.
   */
  @Test
  void overlayXattrsDoNotReachTheErofsImage() throws IOException {
    Path layout = tmp.resolve("layout");
    Map<String, byte[]> xattrs = hostile();
    xattrs.put("user.note", bytes("kept-in-the-image"));
    new OciImageBuilder().layer(new TarBuilder()
        .entry("data/", '5', 0755, 0, 0, new byte[0], "", xattrs)
        .entry("data/file", '0', 0644, 0, 0, bytes("x"), "", xattrs).build()).writeLayout(layout, "1");
    try (ImageStore store = ImageStore.builder(tmp.resolve("store")).build()) {
      StoredImage image = store.load(layout, "xattrs:1", PullListener.NONE).get(0);
      String erofs = new String(Files.readAllBytes(image.rootfs()), StandardCharsets.ISO_8859_1);
      assertTrue(erofs.contains("kept-in-the-image"), "ordinary xattrs are in the image");
      for (String forged : List.of("overlay.opaque", "overlay.redirect", "overlay.metacopy", "overlay.origin",
          "shadow_t", "SMACK64EXEC")) {
        assertFalse(erofs.contains(forged), forged + " reached the erofs image");
      }
    }
  }

  /** Every xattr of every namespace, as getfattr sees it (hex values). */
  private static Map<String, String> xattrs(Path file) throws IOException {
    Path out = Files.createTempFile("getfattr", ".txt");
    try {
      LocalRegistry.run(List.of("sh", "-c", "getfattr -h -e hex -m - -d -- \"$1\" > \"$2\"", "sh", file.toString(),
          out.toString()));
      Map<String, String> xattrs = new TreeMap<>();
      for (String line : Files.readAllLines(out)) {
        int eq = line.indexOf('=');
        if (eq > 0 && !line.startsWith("#")) {
          xattrs.put(line.substring(0, eq), line.substring(eq + 1));
        }
      }
      return xattrs;
    } finally {
      Files.deleteIfExists(out);
    }
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
