package dev.peapod.images;

/** An image index or manifest list has no entry for the platform pods run on. */
public final class PlatformNotFoundException extends ImageException {
  public PlatformNotFoundException(String image, String message) {
    super(image, message);
  }

  public PlatformNotFoundException(String image, String message, Throwable cause) {
    super(image, message, cause);
  }
}
