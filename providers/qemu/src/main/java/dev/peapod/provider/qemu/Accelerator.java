package dev.peapod.provider.qemu;

import java.util.Locale;

/** How QEMU executes the guest. */
public enum Accelerator {
  /** Hardware virtualisation through /dev/kvm. */
  KVM,
  /** QEMU's binary translator: slower, but works everywhere. */
  TCG;

  /** The name QEMU and VmInfo use: {@code kvm} or {@code tcg}. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses {@code kvm} or {@code tcg}, in any case. */
  public static Accelerator parse(String value) {
    for (Accelerator a : values()) {
      if (a.id().equalsIgnoreCase(value.trim())) {
        return a;
      }
    }
    throw new IllegalArgumentException("unknown accelerator \"" + value + "\"; use kvm or tcg");
  }
}
