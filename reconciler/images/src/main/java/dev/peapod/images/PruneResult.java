package dev.peapod.images;

import dev.peapod.images.oci.Digest;
import java.util.List;

/**
 * What {@link ImageStore#prune} freed.
 *
 * @param images ids of the images removed
 * @param blobs number of blobs deleted
 * @param bytes disk space freed, rootfs files included
 */
public record PruneResult(List<Digest> images, int blobs, long bytes) {
  public PruneResult {
    images = List.copyOf(images);
  }
}
