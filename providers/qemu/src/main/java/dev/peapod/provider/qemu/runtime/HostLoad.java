package dev.peapod.provider.qemu.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Timeouts that grow with the host's load. Under TCG a guest runs only when the host gives its
 * QEMU a core: at a load of 13 on 2 cores a VM gets a sixth of the time it gets on a quiet host,
 * and a wait sized for a quiet host (a restored guest's first answer, a migration) runs out for a
 * VM that is merely slow, which then counts as broken. A wait is stretched by the load per core
 * (the 1-minute average, from {@code /proc/loadavg}), between 1 and {@link #MAX_FACTOR} times.
 */
public final class HostLoad {

  /** At most this many times the quiet-host wait: a VM that needs more is taken as hung. */
  public static final double MAX_FACTOR = 4;

  private static final Path LOADAVG = Path.of("/proc/loadavg");

  private HostLoad() {}

  /** {@code base} stretched by the host's load per core now. */
  public static Duration scale(Duration base) {
    return scale(base, loadPerCore());
  }

  /** {@code base} stretched by {@code loadPerCore}, between 1 and {@link #MAX_FACTOR} times. */
  public static Duration scale(Duration base, double loadPerCore) {
    double factor = Math.max(1, Math.min(MAX_FACTOR, loadPerCore));
    return Duration.ofMillis((long) (base.toMillis() * factor));
  }

  /** The 1-minute load average per online core, or 1 when it cannot be read. */
  public static double loadPerCore() {
    try {
      String[] fields = Files.readString(LOADAVG, StandardCharsets.US_ASCII).trim().split("\\s+");
      return Double.parseDouble(fields[0]) / Runtime.getRuntime().availableProcessors();
    } catch (IOException | RuntimeException e) {
      return 1;
    }
  }
}
