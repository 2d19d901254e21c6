package dev.peapod.images.layer;

import java.io.IOException;

/** The staging file system refused an xattr a layer carries; the image must be unpacked elsewhere. */
public final class XattrNotKeptException extends IOException {
  public XattrNotKeptException(String message) {
    super(message);
  }
}
