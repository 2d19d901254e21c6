package dev.peapod.images;

/**
 * Something went wrong with an image. Every message names the image (as the user
 * wrote it, or its digest) and what failed, so it can be shown to people as is.
 */
public class ImageException extends RuntimeException {
  private final String image;

  public ImageException(String image, String message) {
    this(image, message, null);
  }

  public ImageException(String image, String message, Throwable cause) {
    super(image == null ? message : image + ": " + message, cause);
    this.image = image;
  }

  /** The reference or digest this error is about; null when none applies. */
  public String image() {
    return image;
  }
}
