package dev.peapod.provider.qemu.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.peapod.provider.ImageRootfs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The test images' cache: one name asked for with other files is another image, so which test
 * built {@code busybox-a} first no longer decides what the next one gets.
 */
class BusyboxImagesTest {

  @Test
  void oneNameWithOtherFilesIsAnotherImage(@TempDir Path dir) throws Exception {
    ImageRootfs hello = BusyboxImages.build(dir, "busybox-a", Map.of("www/index.html", "hello\n"));
    ImageRootfs other = BusyboxImages.build(dir, "busybox-a", Map.of("www/index.html", "hello from web\n"));
    assertNotEquals(hello.path(), other.path());
    assertNotEquals(-1L, Files.mismatch(hello.path(), other.path()), "the files differ");
    assertEquals("test:busybox-a", other.id(), "the id tests compare stays the name's");

    long built = Files.getLastModifiedTime(hello.path()).toMillis();
    ImageRootfs again = BusyboxImages.build(dir, "busybox-a", Map.of("www/index.html", "hello\n"));
    assertEquals(hello.path(), again.path(), "the same files: the image already built");
    assertEquals(built, Files.getLastModifiedTime(again.path()).toMillis());
  }

  @Test
  void theKeyIsTheFilesWhateverTheirOrder() throws Exception {
    assertEquals(BusyboxImages.contentKey(Map.of("a", "1", "b", "2")),
        BusyboxImages.contentKey(new java.util.TreeMap<>(Map.of("b", "2", "a", "1")).descendingMap()));
    assertNotEquals(BusyboxImages.contentKey(Map.of("a", "12")), BusyboxImages.contentKey(Map.of("a1", "2")));
  }
}
