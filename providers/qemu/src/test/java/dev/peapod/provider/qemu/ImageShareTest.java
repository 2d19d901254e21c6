package dev.peapod.provider.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.provider.ImageRootfs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageShareTest {

  @TempDir
  Path tmp;

  @Test
  void imagesAreHardLinkedUnderASafeNameAndDroppedWhenUnused() throws Exception {
    Path a = Files.writeString(tmp.resolve("a.erofs"), "image a");
    Path b = Files.writeString(tmp.resolve("b.erofs"), "image b");
    ImageShare share = new ImageShare(tmp.resolve("share"), java.util.Optional.empty());
    share.reset();

    assertEquals("sha256_aa.erofs", share.add(new ImageRootfs("sha256:aa", a)));
    assertEquals("sha256_aa.erofs", share.add(new ImageRootfs("sha256:aa", a))); // already there
    assertEquals("x_y_z.erofs", share.add(new ImageRootfs("x/y z", b)));
    assertTrue(Files.isSameFile(a, share.dir().resolve("sha256_aa.erofs")));

    share.retain(Set.of("x/y z"));
    try (Stream<Path> files = Files.list(share.dir())) {
      assertEquals(Set.of("x_y_z.erofs"), files.map(p -> p.getFileName().toString())
          .collect(java.util.stream.Collectors.toSet()));
    }
    assertTrue(Files.exists(a), "the image itself stays");
  }

  @Test
  void longOrDottedIdsBecomeTheirHash() {
    assertEquals(64 + ".erofs".length(), ImageShare.fileName("x".repeat(200)).length());
    assertTrue(ImageShare.fileName("..").matches("[0-9a-f]{64}\\.erofs"));
  }
}
