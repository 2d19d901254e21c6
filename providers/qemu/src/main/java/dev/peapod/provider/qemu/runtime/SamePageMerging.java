package dev.peapod.provider.qemu.runtime;

import java.util.List;
import java.util.Locale;

/**
 * Which of a pod's host processes the kernel may merge identical pages of (KSM, kernel same-page
 * merging): {@code PEAPOD_KSM}, {@code helpers} by default.
 *
 * <p>Why: an idle pod's passt holds ~19.5 MiB, ~14 MiB of it pages of zeros (Debian 12's passt
 * writes each of its 160 frame buffers of 64 KiB whole when it sets up their headers: 4 KiB of
 * headers, then 60 KiB of zeros, in 128 + 32 runs, plus two 1.2 MiB blocks and 0.8 MiB of stack) and almost all the rest the same in every passt (365 distinct
 * pages of 4,900, bench/RESULTS.md, "Session 8"). Merged, a pod's passt costs ~1 MiB.
 *
 * <p>Why not QEMU by default: KSM between VMs is a known side channel. A guest controls the
 * contents of its own RAM and can time its own writes to it: a write to a merged page faults
 * and copies, so it can tell whether another VM holds a page it guessed (dedup timing attacks),
 * and with Rowhammer a merged page lets it flip bits in another VM's memory (Flip Feng Shui).
 * {@link #ALL} gives that up for memory (guest RAM copies, zero pages, heap); {@link #HELPERS}
 * merges only passt and the log writers, whose pages a guest reaches only through the packets
 * and output it sends and whose writes it cannot time directly (a merged page needs a whole
 * 4 KiB frame page to match another pod's, headers, sequence numbers and checksums included).
 *
 * <p>Marking is {@code prctl(PR_SET_MEMORY_MERGE)} (Linux ≥ 6.4), which fork and exec keep,
 * set by perl before it execs the process, as {@code PR_SET_THP_DISABLE} is for QEMU (for a
 * helper, by the perl that connects it to its VM anyway: {@code PeerCheckedConnect}). Nothing is
 * merged unless the host runs ksmd ({@code /sys/kernel/mm/ksm/run} = 1), which is the host
 * administrator's choice: Peapod never changes it. A kernel without the prctl runs the process
 * unmarked, with a warning in its log. QEMU's own {@code mem-merge} (madvise of guest RAM) is
 * always off (see {@link dev.peapod.provider.qemu.QemuCommandLine}), so that {@link #OFF} and
 * {@link #HELPERS} keep guest RAM out of a ksmd the administrator runs for other programs.
 */
public enum SamePageMerging {
  /** Nothing of a pod is marked mergeable. */
  OFF,
  /** passt and the log writers are. */
  HELPERS,
  /** QEMU too: all of its anonymous memory, guest RAM included. */
  ALL;

  /** {@code PEAPOD_KSM} (or {@code peapod.ksm}): {@code off}, {@code helpers} (default) or {@code all}. */
  public static SamePageMerging fromEnvironment() {
    return parse(System.getenv().getOrDefault("PEAPOD_KSM", System.getProperty("peapod.ksm", "helpers")));
  }

  public static SamePageMerging parse(String value) {
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "off" -> OFF;
      case "helpers" -> HELPERS;
      case "all" -> ALL;
      default -> throw new IllegalArgumentException("PEAPOD_KSM must be off, helpers or all, not \"" + value + "\"");
    };
  }

  /**
   * Whether a pod's helper processes (passt, the log writers) run marked: their launcher marks
   * itself before it execs them ({@code PeerCheckedConnect}), so no process of its own is spent on it.
   */
  public boolean marksHelpers() {
    return this != OFF;
  }

  /** The argv prefix that runs a VM's QEMU marked, or nothing. */
  public List<String> qemuPrefix() {
    return this == ALL ? prefix() : List.of();
  }

  private static List<String> prefix() {
    return List.of("perl", "-e", script(), "--");
  }

  /**
   * prctl(PR_SET_MEMORY_MERGE = 67, 1) with this host's prctl system call number, then exec. A
   * failure only warns: the process runs, unmerged, as on a kernel before 6.4.
   */
  static String script() {
    String arch = System.getProperty("os.arch");
    int prctl = arch.equals("aarch64") || arch.equals("riscv64") ? 167 : 157; // x86-64 otherwise
    return "syscall(" + prctl + ", 67, 1, 0, 0, 0) == 0 or warn \"prctl(PR_SET_MEMORY_MERGE): $!\\n\";"
        + " exec { $ARGV[0] } @ARGV or die \"exec $ARGV[0]: $!\\n\"";
  }
}
