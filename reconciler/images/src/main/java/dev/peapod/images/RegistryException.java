package dev.peapod.images;

/** The registry could not be reached or answered with an error other than the specific ones above. */
public final class RegistryException extends ImageException {
  public RegistryException(String image, String message) {
    super(image, message);
  }

  public RegistryException(String image, String message, Throwable cause) {
    super(image, message, cause);
  }
}
