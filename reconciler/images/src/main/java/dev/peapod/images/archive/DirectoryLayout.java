package dev.peapod.images.archive;

import dev.peapod.images.ImageFormatException;
import dev.peapod.images.ImageLimitException;
import dev.peapod.images.ImageLimits;
import dev.peapod.images.oci.Descriptor;
import dev.peapod.images.oci.Digest;
import dev.peapod.images.store.BlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/** An OCI image layout on disk ({@code oci-layout}, {@code index.json}, {@code blobs/}). Blobs are copied in on demand. */
final class DirectoryLayout implements LayoutContent {
  private final Path dir;
  private final BlobStore blobs;
  private final String image;
  private final int maxFileBytes;

  /** @param maxFileBytes how big {@code index.json} may be: it is read whole */
  DirectoryLayout(Path dir, BlobStore blobs, String image, int maxFileBytes) {
    this.dir = dir;
    this.blobs = blobs;
    this.image = image;
    this.maxFileBytes = maxFileBytes;
  }

  @Override
  public byte[] file(String name) throws IOException {
    Path file = dir.resolve(name);
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      return null;
    }
    if (Files.size(file) > maxFileBytes) {
      throw new ImageLimitException(image, name + " has " + Files.size(file) + " bytes, over the limit maxManifestBytes ("
          + ImageLimits.bytes(maxFileBytes) + ")");
    }
    return Files.readAllBytes(file);
  }

  @Override
  public void importBlob(Descriptor descriptor) throws IOException {
    Digest digest = descriptor.digest();
    Path file = dir.resolve("blobs").resolve(digest.algorithm()).resolve(digest.hex());
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      throw new ImageFormatException(image, "layout lacks blob " + digest);
    }
    blobs.ensure(digest, () -> {
      try (InputStream in = Files.newInputStream(file)) {
        blobs.put(digest, descriptor.size(), in, image + " blob " + digest, null);
      }
    });
  }

  @Override
  public Digest storedFile(String path) {
    return null; // layouts name everything by digest
  }
}
