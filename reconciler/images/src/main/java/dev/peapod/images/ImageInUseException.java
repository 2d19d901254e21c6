package dev.peapod.images;

import java.util.List;

/** An image cannot be removed because pods use it; names them. */
public final class ImageInUseException extends ImageException {
  private final List<String> pods;

  public ImageInUseException(String image, List<String> pods) {
    super(image, "image is used by " + (pods.size() == 1 ? "pod " : "pods ") + String.join(", ", pods)
        + "; remove or change those pods first");
    this.pods = List.copyOf(pods);
  }

  /** Names of the pods that use the image, sorted. */
  public List<String> pods() {
    return pods;
  }
}
