package dev.peapod.images;

/** Malformed image content: bad JSON, a broken tar stream, or an archive that is not an OCI layout or docker-save file. */
public final class ImageFormatException extends ImageException {
  public ImageFormatException(String image, String message) {
    super(image, message);
  }

  public ImageFormatException(String image, String message, Throwable cause) {
    super(image, message, cause);
  }
}
