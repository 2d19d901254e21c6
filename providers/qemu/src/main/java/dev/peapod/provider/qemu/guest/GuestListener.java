package dev.peapod.provider.qemu.guest;

/**
 * Receives what the guest sends unasked. Called on the connection's reader
 * thread: implementations must return quickly and must not wait for replies
 * from the same connection (that reply would be read by this very thread).
 */
public interface GuestListener {

  /** A container's process started or exited; acknowledged to the guest after this returns. */
  void onEvent(GuestEvent event);

  /** The connection ended; {@code cause} is null for a close by this side. */
  default void onClosed(Throwable cause) {}

  GuestListener NONE = event -> {};
}
