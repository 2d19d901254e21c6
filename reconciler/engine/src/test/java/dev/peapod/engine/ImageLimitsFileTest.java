package dev.peapod.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.peapod.images.ImageLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageLimitsFileTest {
  @TempDir Path home;

  @Test
  void noFileGivesTheDefaults() {
    assertEquals(ImageLimits.DEFAULT, ImageLimitsFile.load(home));
  }

  @Test
  void namedLimitsChangeTheRestStay() throws IOException {
    Files.writeString(home.resolve("images.yaml"), """
        limits:
          maxUnpackedBytes: 16Gi
          maxEntries: 2000000
          maxHeaderBytes: "2Mi"
          maxConfigBytes: 8388608
        """);
    assertEquals(ImageLimits.DEFAULT.withMaxUnpackedBytes(16L << 30).withMaxEntries(2_000_000)
        .withMaxHeaderBytes(2 << 20).withMaxConfigBytes(8 << 20), ImageLimitsFile.load(home));
  }

  @Test
  void mistakesNameTheFileAndTheLimit() throws IOException {
    Path file = home.resolve("images.yaml");
    assertError(file, "limits:\n  maxEntrys: 2\n", ": limits.maxEntrys: unknown limit (known: maxUnpackedBytes,"
        + " maxEntries, maxFileBytes, maxHeaderBytes, maxConfigBytes, maxManifestBytes)");
    assertError(file, "limits:\n  maxFileBytes: 1.5\n",
        ": limits.maxFileBytes: \"1.5\" is not a whole positive number (e.g. 1000000, 512Mi, 16Gi)");
    assertError(file, "limits:\n  maxEntries: -1\n",
        ": limits.maxEntries: \"-1\" is not a whole positive number (e.g. 1000000, 512Mi, 16Gi)");
    assertError(file, "limits:\n  maxHeaderBytes: 100\n", ": limits.maxHeaderBytes: must be at least 512 (one tar block)");
    assertError(file, "limits:\n  maxConfigBytes: 4Gi\n", ": limits.maxConfigBytes: at most 2147483647 bytes");
    assertError(file, "limits: 5\n", ": limits: must be a map of limit names to values");
  }

  private void assertError(Path file, String yaml, String message) throws IOException {
    Files.writeString(file, yaml);
    var e = assertThrows(ImageLimitsFile.InvalidImageLimitsException.class, () -> ImageLimitsFile.load(home));
    assertEquals(file + message, e.getMessage());
  }
}
