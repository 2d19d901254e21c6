package dev.peapod.provider.qemu.guest;

/** A frame or field sequence that breaks the wire format; the message names what and where. */
public final class MalformedFrameException extends Exception {
  public MalformedFrameException(String message) {
    super(message);
  }
}
