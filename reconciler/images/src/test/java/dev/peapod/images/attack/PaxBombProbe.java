package dev.peapod.images.attack;

import dev.peapod.images.ImageLimitException;
import dev.peapod.images.layer.LayerApplier;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** Run by {@link ArchiveBombAttackTest} in a JVM with a small heap: applies one gzip layer, says how it ended. */
public final class PaxBombProbe {
  private PaxBombProbe() {}

  public static void main(String[] args) throws Exception {
    try (InputStream in = new GZIPInputStream(Files.newInputStream(Path.of(args[0])))) {
      new LayerApplier(Files.createDirectory(Path.of(args[1])), false).apply(in, null, "bomb", "layer 1/1");
      System.out.println("APPLIED");
    } catch (ImageLimitException e) {
      System.out.println("REFUSED " + e.getMessage());
    } catch (OutOfMemoryError e) {
      System.out.println("OUT OF MEMORY");
    }
  }
}
