package dev.peapod.images;

/** A layer entry tried to reach outside the root filesystem (`..`, a symlinked parent leading out, a hardlink to outside) or is otherwise unsafe to apply. */
public final class UnsafeLayerException extends ImageException {
  public UnsafeLayerException(String image, String message) {
    super(image, message);
  }

  public UnsafeLayerException(String image, String message, Throwable cause) {
    super(image, message, cause);
  }
}
