package dev.peapod.images;

/** The registry refused access: credentials missing, wrong, or not allowed to pull this repository. */
public final class RegistryAuthException extends ImageException {
  public RegistryAuthException(String image, String message) {
    super(image, message);
  }

  public RegistryAuthException(String image, String message, Throwable cause) {
    super(image, message, cause);
  }
}
