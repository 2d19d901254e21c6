package dev.peapod.images;

/** Content did not hash to the digest that named it: a tampered or corrupt blob, manifest or layer. */
public final class DigestMismatchException extends ImageException {
  public DigestMismatchException(String image, String message) {
    super(image, message);
  }

  public DigestMismatchException(String image, String message, Throwable cause) {
    super(image, message, cause);
  }
}
