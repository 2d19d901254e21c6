package dev.peapod.images;

import java.util.List;

/**
 * Which pods use an image, asked before an image is removed or pruned. Implemented by
 * whoever knows the pods (the state store); the image store does not know pods.
 */
@FunctionalInterface
public interface ImageUsage {
  /** No pod uses any image. */
  ImageUsage NONE = image -> List.of();

  /** Names of the pods using this image, by its id or any of its references; empty if none. */
  List<String> podsUsing(StoredImage image);
}
