package dev.peapod.provider.qemu.guest;

/**
 * What the guest said in READY.
 *
 * @param version the guest's protocol version
 * @param bootId the guest kernel's boot id: the identity of this VM's boot
 * @param kernel the guest kernel release
 */
public record GuestInfo(int version, String bootId, String kernel) {

  static GuestInfo from(Fields f) {
    return new GuestInfo(f.u32(Wire.F_VERSION).orElse(0), f.str(Wire.F_BOOT_ID).orElse(""),
        f.str(Wire.F_KERNEL).orElse(""));
  }
}
