package dev.peapod.images.store;

import dev.peapod.images.ImageBuildException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Runs {@code mkfs.erofs} on a staged root filesystem. Ownership, modes, xattrs and
 * mtimes are taken from the directory as is ({@code --all-root} is deliberately not
 * used); the file system UUID is derived from the image id so the same image gives
 * the same bytes. No compression: the guest runs under TCG, where decompressing on
 * every page-in costs more than the disk space saves.
 */
public final class ErofsBuilder {
  private final String mkfs;

  public ErofsBuilder(String mkfs) {
    this.mkfs = mkfs;
  }

  public static ErofsBuilder systemDefault() {
    return new ErofsBuilder("mkfs.erofs");
  }

  public void build(Path sourceDir, Path output, String imageId, String image) {
    List<String> command = new ArrayList<>(List.of(mkfs, "--quiet",
        "-U" + UUID.nameUUIDFromBytes(imageId.getBytes(StandardCharsets.UTF_8)),
        output.toString(), sourceDir.toString()));
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String log = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int exit = process.waitFor();
      if (exit != 0) {
        throw new ImageBuildException(image, "mkfs.erofs exited with " + exit + ": " + log.strip());
      }
    } catch (IOException e) {
      throw new ImageBuildException(image, "cannot run " + mkfs + " (is erofs-utils installed?): " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ImageBuildException(image, "interrupted while building the erofs image", e);
    }
  }
}
