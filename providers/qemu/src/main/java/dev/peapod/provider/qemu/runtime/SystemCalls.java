package dev.peapod.provider.qemu.runtime;

import java.util.Map;
import java.util.OptionalInt;

/**
 * Linux's system call numbers that Peapod's perl helpers call by number (perl's {@code syscall}; no module to load):
 * x86-64's table, and the generic one arm64 and riscv64 share. On any other architecture there is no number to
 * guess: another table's number is another system call there, so what needs one refuses with {@link #number}'s
 * error instead of calling something else.
 */
public final class SystemCalls {

  private SystemCalls() {}

  /** The calls used: prctl, setsid, memfd_create, by table. */
  private static final Map<String, Map<String, Integer>> TABLES = Map.of(
      "x86-64", Map.of("prctl", 157, "setsid", 112, "memfd_create", 319),
      "generic", Map.of("prctl", 167, "setsid", 157, "memfd_create", 279));

  /** The table of {@code arch} ({@code os.arch}'s spelling), or null when Peapod knows none. */
  private static Map<String, Integer> table(String arch) {
    return switch (arch) {
      case "amd64", "x86_64" -> TABLES.get("x86-64");
      case "aarch64", "riscv64" -> TABLES.get("generic");
      default -> null;
    };
  }

  /** {@code call}'s number on {@code arch}, or empty when Peapod does not know that architecture's. */
  public static OptionalInt find(String arch, String call) {
    Map<String, Integer> table = table(arch);
    return table == null || !table.containsKey(call) ? OptionalInt.empty() : OptionalInt.of(table.get(call));
  }

  /** {@code call}'s number on {@code arch}; fails, naming both, on an architecture Peapod has no table of. */
  public static int number(String arch, String call) {
    return find(arch, call).orElseThrow(() -> new UnsupportedOperationException("Peapod knows the " + call
        + " system call number of x86-64, arm64 and riscv64 hosts only, not of " + arch
        + ": its perl helpers cannot run here"));
  }

  /** {@code call}'s number on this host ({@link #number}). */
  public static int number(String call) {
    return number(System.getProperty("os.arch"), call);
  }
}
