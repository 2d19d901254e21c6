package dev.peapod.provider.qemu.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Facts about the host that VMs depend on, read from /proc. */
public final class HostInfo {

  private static final Path BOOT_ID = Path.of("/proc/sys/kernel/random/boot_id");
  private static final Path CPUINFO = Path.of("/proc/cpuinfo");
  private static final Pattern CPU_MHZ = Pattern.compile("(?m)^cpu MHz\\s*:\\s*([0-9.]+)");

  private HostInfo() {}

  /** The host kernel's boot id: processes and cached probes from another boot are stale. */
  public static String bootId() {
    try {
      return Files.readString(BOOT_ID).trim();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the host boot id from " + BOOT_ID, e);
    }
  }

  /** The TSC frequency in kHz for {@code tsc_early_khz}, from the first "cpu MHz" line. */
  public static OptionalLong tscKhz() {
    try {
      return tscKhz(Files.readString(CPUINFO));
    } catch (IOException e) {
      return OptionalLong.empty();
    }
  }

  static OptionalLong tscKhz(String cpuinfo) {
    Matcher m = CPU_MHZ.matcher(cpuinfo);
    if (!m.find()) {
      return OptionalLong.empty();
    }
    long khz = Math.round(Double.parseDouble(m.group(1)) * 1000);
    return khz > 0 ? OptionalLong.of(khz) : OptionalLong.empty();
  }
}
