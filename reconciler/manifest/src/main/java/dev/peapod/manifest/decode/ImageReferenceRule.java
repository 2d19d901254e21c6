package dev.peapod.manifest.decode;

import dev.peapod.images.reference.ImageReference;
import dev.peapod.images.InvalidReferenceException;
import java.util.Optional;

/**
 * An image reference as the image store will read it, checked where the manifest writes it: a
 * reference the store would refuse is a diagnostic at its line and column, reported with every
 * other problem of the document instead of after them when the image is looked up.
 */
final class ImageReferenceRule {
  private ImageReferenceRule() {}

  /** Why {@code image} is not a reference {@code docker pull} would take, if it is not. */
  static Optional<String> check(String image) {
    try {
      ImageReference.parse(image);
      return Optional.empty();
    } catch (InvalidReferenceException e) {
      return Optional.of("invalid image reference " + e.getMessage());
    }
  }
}
