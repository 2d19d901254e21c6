package dev.peapod.images.archive;

import java.io.IOException;

/** A tar stream's metadata is larger than the reader was allowed to hold in memory. */
public final class TarLimitException extends IOException {
  public TarLimitException(String message) {
    super(message);
  }
}
