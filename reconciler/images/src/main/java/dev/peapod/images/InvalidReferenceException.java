package dev.peapod.images;

/** The text is not a valid image reference (`busybox`, `nginx:1.25`, `host:5000/team/app@sha256:...`). */
public final class InvalidReferenceException extends ImageException {
  public InvalidReferenceException(String image, String message) {
    super(image, message);
  }

  public InvalidReferenceException(String image, String message, Throwable cause) {
    super(image, message, cause);
  }
}
