package dev.peapod.images;

/** The registry or the local store has no image by that name, tag or digest. */
public final class ImageNotFoundException extends ImageException {
  public ImageNotFoundException(String image, String message) {
    super(image, message);
  }

  public ImageNotFoundException(String image, String message, Throwable cause) {
    super(image, message, cause);
  }
}
