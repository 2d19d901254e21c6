package dev.peapod.provider.qemu.guest;

/** Talking to guest-init failed: no connection, no reply in time, or a broken reply. */
public class GuestException extends RuntimeException {
  public GuestException(String message) {
    super(message);
  }

  public GuestException(String message, Throwable cause) {
    super(message, cause);
  }
}
