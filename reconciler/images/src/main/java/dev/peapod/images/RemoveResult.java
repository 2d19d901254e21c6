package dev.peapod.images;

import dev.peapod.images.oci.Digest;
import java.util.List;

/**
 * What {@link ImageStore#remove} did, in Docker's words.
 *
 * @param untagged references removed
 * @param deleted image ids whose rootfs was deleted (empty when other references still use the image)
 */
public record RemoveResult(List<String> untagged, List<Digest> deleted) {
  public RemoveResult {
    untagged = List.copyOf(untagged);
    deleted = List.copyOf(deleted);
  }
}
