package dev.peapod.images;

/** Turning the layers into a root filesystem image failed (e.g. `mkfs.erofs` exited with an error). */
public final class ImageBuildException extends ImageException {
  public ImageBuildException(String image, String message) {
    super(image, message);
  }

  public ImageBuildException(String image, String message, Throwable cause) {
    super(image, message, cause);
  }
}
