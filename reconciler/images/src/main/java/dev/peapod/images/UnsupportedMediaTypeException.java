package dev.peapod.images;

/** A manifest, config or layer has a media type Peapod cannot use (e.g. Docker schema 1, foreign layers). */
public final class UnsupportedMediaTypeException extends ImageException {
  public UnsupportedMediaTypeException(String image, String message) {
    super(image, message);
  }

  public UnsupportedMediaTypeException(String image, String message, Throwable cause) {
    super(image, message, cause);
  }
}
