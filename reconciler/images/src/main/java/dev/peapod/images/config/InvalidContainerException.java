package dev.peapod.images.config;

/** Image and container together do not describe a runnable process (no command at all, a group without a user). */
public final class InvalidContainerException extends IllegalArgumentException {
  public InvalidContainerException(String message) {
    super(message);
  }
}
