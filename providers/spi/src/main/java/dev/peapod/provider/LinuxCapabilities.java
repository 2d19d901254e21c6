package dev.peapod.provider;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Linux capability names and numbers (linux/capability.h, up to CAP_CHECKPOINT_RESTORE, 40), and
 * the default set every container runtime gives root in a container (runc's, Docker's and
 * containerd's, which Kubernetes uses without a securityContext). Names are kept without the
 * {@code CAP_} prefix, as Kubernetes writes them.
 */
public final class LinuxCapabilities {
  private LinuxCapabilities() {}

  /** Index = capability number. */
  private static final List<String> NAMES = List.of(
      "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
      "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
      "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
      "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD",
      "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG",
      "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE");

  /** The runtimes' default set, in capability order. */
  public static final Set<String> DEFAULT = Set.copyOf(List.of(
      "CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID",
      "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE"));

  /** Every capability this table knows. */
  public static List<String> all() {
    return NAMES;
  }

  /**
   * {@code NET_ADMIN} for {@code NET_ADMIN}, {@code CAP_NET_ADMIN} or {@code cap_net_admin}
   * (containerd accepts both spellings, in any case); empty for a name Linux does not have.
   */
  public static Optional<String> canonical(String name) {
    String upper = name.toUpperCase(Locale.ROOT);
    String bare = upper.startsWith("CAP_") ? upper.substring(4) : upper;
    return NAMES.contains(bare) ? Optional.of(bare) : Optional.empty();
  }

  /** The capability's number, as the kernel counts them. */
  public static int number(String name) {
    int n = NAMES.indexOf(canonical(name).orElseThrow(
        () -> new IllegalArgumentException("unknown capability " + name)));
    return n;
  }

  /** The set as a mask, bit N for capability N ({@code CapBnd} in /proc/PID/status). */
  public static long mask(Collection<String> names) {
    long mask = 0;
    for (String name : names) {
      mask |= 1L << number(name);
    }
    return mask;
  }

  /**
   * What root in a container keeps, containerd's way: the default set, then {@code ALL} added,
   * then {@code ALL} dropped, then each named one added, then each named one dropped; so
   * {@code drop: [ALL], add: [NET_BIND_SERVICE]} leaves NET_BIND_SERVICE, and {@code add: [ALL],
   * drop: [CHOWN]} everything but CHOWN. Names as {@link #canonical} takes them.
   */
  public static Set<String> resolve(Collection<String> add, Collection<String> drop) {
    Set<String> caps = new LinkedHashSet<>(DEFAULT);
    if (add.stream().anyMatch(LinuxCapabilities::isAll)) {
      caps.addAll(NAMES);
    }
    if (drop.stream().anyMatch(LinuxCapabilities::isAll)) {
      caps.clear();
    }
    add.stream().filter(n -> !isAll(n)).forEach(n -> caps.add(canonical(n).orElseThrow()));
    drop.stream().filter(n -> !isAll(n)).forEach(n -> caps.remove(canonical(n).orElseThrow()));
    List<String> ordered = new ArrayList<>(caps);
    ordered.sort((a, b) -> Integer.compare(NAMES.indexOf(a), NAMES.indexOf(b)));
    return new LinkedHashSet<>(ordered);
  }

  /** {@code ALL} in any case, with or without {@code CAP_}. */
  public static boolean isAll(String name) {
    String upper = name.toUpperCase(Locale.ROOT);
    return upper.equals("ALL") || upper.equals("CAP_ALL");
  }
}
