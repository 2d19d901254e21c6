package dev.peapod.images;

/**
 * Image data is larger than an {@link ImageLimits} limit allows: too many bytes unpacked,
 * too many entries, one file too large, PAX headers, a config, manifest or index too big.
 * The message names the image, the layer or blob, and the limit to raise if the image is
 * genuine. Nothing of the image is left in the store.
 */
public final class ImageLimitException extends ImageException {
  public ImageLimitException(String image, String message) {
    super(image, message);
  }
}
