package dev.peapod.images.store;

import dev.peapod.images.oci.Digest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where things live under the store root:
 * <pre>
 * blobs/sha256/HEX        manifests, indexes, configs and compressed layers, by digest
 * images/HEX/             one built image per config digest (Docker's image id):
 *   rootfs.erofs          the read-only root filesystem pods boot from
 *   config.json           the image config blob, verbatim
 *   image.json            what the store knows about it ({@link ImageRecord})
 * refs.json               reference → image id ({@link RefsFile})
 * tmp/PID-RANDOM          work in progress; left over from a dead process, removed on open
 * locks/NAME.lock         cross-process locks
 * </pre>
 * Everything visible outside {@code tmp/} was complete when it appeared: it was
 * written under {@code tmp/} and renamed into place.
 */
public final class StoreLayout {
  private final Path root;

  public StoreLayout(Path root) {
    this.root = root.toAbsolutePath();
    try {
      for (Path dir : new Path[] {blobsDir(), imagesDir(), tmpDir(), locksDir()}) {
        Files.createDirectories(dir);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create image store under " + root, e);
    }
  }

  public Path root() {
    return root;
  }

  public Path blobsDir() {
    return root.resolve("blobs").resolve("sha256");
  }

  public Path blob(Digest digest) {
    return root.resolve("blobs").resolve(digest.algorithm()).resolve(digest.hex());
  }

  public Path imagesDir() {
    return root.resolve("images");
  }

  public Path imageDir(Digest id) {
    return imagesDir().resolve(id.hex());
  }

  public Path rootfs(Digest id) {
    return imageDir(id).resolve("rootfs.erofs");
  }

  public Path refsFile() {
    return root.resolve("refs.json");
  }

  public Path tmpDir() {
    return root.resolve("tmp");
  }

  public Path locksDir() {
    return root.resolve("locks");
  }
}
