package dev.peapod.images.archive;

import java.io.IOException;

/** The bytes are not a well-formed tar stream (bad checksum, truncated entry, malformed PAX record...). */
public final class TarFormatException extends IOException {
  public TarFormatException(String message) {
    super(message);
  }
}
