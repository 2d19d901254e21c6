package dev.peapod.provider.qemu.qmp;

/** Talking to QEMU's monitor failed, or QEMU answered a command with an error. */
public final class QmpException extends RuntimeException {
  public QmpException(String message) {
    super(message);
  }

  public QmpException(String message, Throwable cause) {
    super(message, cause);
  }
}
