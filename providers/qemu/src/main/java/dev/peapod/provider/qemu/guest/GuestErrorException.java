package dev.peapod.provider.qemu.guest;

import java.util.Optional;

/** Guest-init answered a request with ERROR. */
public final class GuestErrorException extends GuestException {

  private final int code;
  private final String guestMessage;
  private final String container;
  private final String process;

  public GuestErrorException(String request, int code, String guestMessage, String container, String process) {
    super(request + " failed in the guest: " + guestMessage + " (errno " + code + ")");
    this.code = code;
    this.guestMessage = guestMessage;
    this.container = container;
    this.process = process;
  }

  static GuestErrorException from(String request, Fields f) {
    return new GuestErrorException(request, f.u32(Wire.F_CODE).orElse(0),
        f.str(Wire.F_MESSAGE).orElse("no message"), f.str(Wire.F_CONTAINER).orElse(null),
        f.str(Wire.F_PROCESS).orElse(null));
  }

  /**
   * The guest's message without a leading {@code container "name": }, for
   * wrapping into an error that names the container already.
   */
  public String detail() {
    String prefix = container == null ? null : "container \"" + container + "\": ";
    return prefix != null && guestMessage.startsWith(prefix) ? guestMessage.substring(prefix.length()) : guestMessage;
  }

  /** The errno value the guest reported. */
  public int code() {
    return code;
  }

  /** The guest's own description, without the request name. */
  public String guestMessage() {
    return guestMessage;
  }

  public Optional<String> container() {
    return Optional.ofNullable(container);
  }

  public Optional<String> process() {
    return Optional.ofNullable(process);
  }
}
