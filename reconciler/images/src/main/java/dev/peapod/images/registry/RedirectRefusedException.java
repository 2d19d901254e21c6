package dev.peapod.images.registry;

import java.io.IOException;

/** A redirect this client will not follow (from HTTPS to plain HTTP); asking again gets the same. */
final class RedirectRefusedException extends IOException {
  RedirectRefusedException(String message) {
    super(message);
  }
}
