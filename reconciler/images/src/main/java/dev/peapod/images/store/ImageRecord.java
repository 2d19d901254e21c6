package dev.peapod.images.store;

import dev.peapod.images.oci.Digest;
import java.util.List;

/**
 * The store's note about one built image, kept as {@code images/HEX/image.json}.
 *
 * @param id the config digest — the image id, as in Docker
 * @param manifest the manifest the image was built from
 * @param blobs every blob the image was built from (manifest, config, layers), for prune
 * @param rootfsBytes size of rootfs.erofs
 * @param built when it was built, ISO-8601
 * @param source where it came from: a reference or an archive path
 */
public record ImageRecord(String id, String manifest, List<String> blobs, long rootfsBytes, String built, String source) {
  public ImageRecord {
    blobs = List.copyOf(blobs);
  }

  public Digest idDigest() {
    return Digest.parse(id);
  }
}
