package dev.peapod.provider.qemu;

/** QEMU did not come up: it exited with an error (the message has its output) or left no pid. */
public final class VmLaunchException extends RuntimeException {
  public VmLaunchException(String message) {
    super(message);
  }

  public VmLaunchException(String message, Throwable cause) {
    super(message, cause);
  }
}
