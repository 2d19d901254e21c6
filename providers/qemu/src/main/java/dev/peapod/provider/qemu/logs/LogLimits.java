package dev.peapod.provider.qemu.logs;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * How much of a VM's output the host keeps: each log is a ring of {@code files} files of about
 * {@code maxFileBytes} each (rotatelogs checks the size before each write, so a file ends at most
 * one 64 KiB read past it). Kubernetes keeps container logs the same way ({@code
 * containerLogMaxSize} 10 MiB, {@code containerLogMaxFiles} 5), and so do these defaults.
 *
 * @param maxFileBytes the size at which a file of the container log is rotated
 * @param files how many files the container log keeps, the one being written included (at least 2)
 */
public record LogLimits(long maxFileBytes, int files) {

  /** Kubernetes' defaults. */
  public static final LogLimits DEFAULT = new LogLimits(10L << 20, 5);
  /** The serial console (kernel and guest-init diagnostics): what a failed boot needs, no more. */
  public static final LogLimits CONSOLE = new LogLimits(1L << 20, 2);
  /** rotatelogs reads at most this much before it checks the size again. */
  public static final long OVERSHOOT_BYTES = 64L << 10;

  public LogLimits {
    if (maxFileBytes < 4096) {
      throw new IllegalArgumentException("a log file cap of " + maxFileBytes + " bytes is below 4096");
    }
    if (files < 2 || files > 100) {
      throw new IllegalArgumentException("a log must keep 2 to 100 files, not " + files);
    }
  }

  /** The most bytes the ring can hold on disk. */
  public long maxTotalBytes() {
    return files * (maxFileBytes + OVERSHOOT_BYTES);
  }

  /**
   * From {@code peapod.log.maxSize}/PEAPOD_LOG_MAX_SIZE (bytes, or with a K, M or G suffix) and
   * {@code peapod.log.maxFiles}/PEAPOD_LOG_MAX_FILES; the defaults for what is not set.
   *
   * @throws IllegalArgumentException naming the setting when a value is not valid
   */
  public static LogLimits fromEnvironment(Properties props, Map<String, String> env) {
    long size = setting(props, env, "peapod.log.maxSize", "PEAPOD_LOG_MAX_SIZE")
        .map(v -> parseSize("PEAPOD_LOG_MAX_SIZE", v)).orElse(DEFAULT.maxFileBytes());
    int files = setting(props, env, "peapod.log.maxFiles", "PEAPOD_LOG_MAX_FILES").map(v -> {
      try {
        return Integer.parseInt(v.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("PEAPOD_LOG_MAX_FILES: not a number: " + v);
      }
    }).orElse(DEFAULT.files());
    try {
      return new LogLimits(size, files);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("PEAPOD_LOG_MAX_SIZE/PEAPOD_LOG_MAX_FILES: " + e.getMessage());
    }
  }

  /** From the JVM's system properties and environment. */
  public static LogLimits fromEnvironment() {
    return fromEnvironment(System.getProperties(), System.getenv());
  }

  static long parseSize(String name, String value) {
    String v = value.trim().toUpperCase(Locale.ROOT);
    long unit = 1;
    if (v.endsWith("K") || v.endsWith("M") || v.endsWith("G")) {
      unit = switch (v.charAt(v.length() - 1)) {
        case 'K' -> 1L << 10;
        case 'M' -> 1L << 20;
        default -> 1L << 30;
      };
      v = v.substring(0, v.length() - 1);
    }
    try {
      return Math.multiplyExact(Long.parseLong(v), unit);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException(name + ": not a size (bytes, or a number with K, M or G): " + value);
    }
  }

  private static Optional<String> setting(Properties props, Map<String, String> env, String property, String var) {
    String v = props.getProperty(property);
    if (v == null || v.isBlank()) {
      v = env.get(var);
    }
    return v == null || v.isBlank() ? Optional.empty() : Optional.of(v);
  }
}
