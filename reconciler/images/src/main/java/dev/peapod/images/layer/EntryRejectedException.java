package dev.peapod.images.layer;

/**
 * A layer entry that cannot be applied. Internal: {@link LayerApplier} turns it into an
 * {@link dev.peapod.images.UnsafeLayerException} or {@link dev.peapod.images.ImageFormatException}
 * that names the image, layer and entry.
 */
final class EntryRejectedException extends Exception {
  /** True when the entry is an escape attempt rather than merely malformed. */
  final boolean unsafe;

  private EntryRejectedException(String message, boolean unsafe) {
    super(message);
    this.unsafe = unsafe;
  }

  static EntryRejectedException unsafe(String message) {
    return new EntryRejectedException(message, true);
  }

  static EntryRejectedException malformed(String message) {
    return new EntryRejectedException(message, false);
  }
}
