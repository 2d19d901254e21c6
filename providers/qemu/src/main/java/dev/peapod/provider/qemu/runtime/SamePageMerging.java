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
 * unmarked, with a warning in its log. A mark Peapod inherited (systemd's {@code MemoryKSM=}) is
 * cleared for a QEMU the setting leaves unmarked. QEMU's own {@code mem-merge} (madvise of guest RAM) is
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

  private static final System.Logger LOG = System.getLogger(SamePageMerging.class.getName());
  private static final java.nio.file.Path OWN_KSM_STAT = java.nio.file.Path.of("/proc/self/ksm_stat");
  /** Whether this process runs marked itself (see {@link #inherited}), read once: nothing here changes it. */
  private static volatile Boolean inherited;
  private static volatile boolean unknownArchitectureSaid;

  /** The argv prefix that runs a VM's QEMU marked with {@link #ALL}, otherwise unmarked. */
  public List<String> qemuPrefix() {
    return qemuPrefix(inherited());
  }

  /**
   * {@link #qemuPrefix()} for a Peapod that runs marked ({@code inherited}) or not. The mark is
   * inherited across fork and exec: a Peapod started by systemd with {@code MemoryKSM=yes} runs
   * marked, and so would every QEMU it starts, guest RAM and all, whatever PEAPOD_KSM says. Such a
   * QEMU is started unmarked.
   */
  List<String> qemuPrefix(boolean inherited) {
    return this == ALL ? prefix(arch(), true) : inherited ? prefix(arch(), false) : List.of();
  }

  /**
   * Whether this process runs marked for merging, by its {@code ksm_merge_any} (Linux 6.6's
   * ksm_stat): "yes" or "no"; a kernel with the prctl but without that line is taken as marked
   * (clearing a mark that is not there costs a perl exec); one without ksm_stat has no prctl.
   */
  static boolean inherited() {
    Boolean known = inherited;
    if (known == null) {
      known = inherited(OWN_KSM_STAT);
      inherited = known;
    }
    return known;
  }

  static boolean inherited(java.nio.file.Path ksmStat) {
    try {
      List<String> lines = java.nio.file.Files.readAllLines(ksmStat);
      return lines.stream().filter(l -> l.startsWith("ksm_merge_any:")).findFirst()
          .map(l -> l.endsWith("yes")).orElse(true);
    } catch (java.io.IOException e) {
      return false;
    }
  }

  private static String arch() {
    return System.getProperty("os.arch");
  }

  /**
   * The perl launcher that sets ({@code merge}) or clears the mark, then execs the command; empty
   * on an architecture whose prctl system call number Peapod does not know, where processes run as
   * they are, which is said once.
   */
  static List<String> prefix(String arch, boolean merge) {
    java.util.OptionalInt prctl = prctlNumber(arch);
    if (prctl.isEmpty()) {
      if (!unknownArchitectureSaid) {
        unknownArchitectureSaid = true;
        LOG.log(System.Logger.Level.WARNING, "same-page merging marks are neither set nor cleared: the prctl system"
            + " call number of architecture " + arch + " is not known to Peapod");
      }
      return List.of();
    }
    return List.of("perl", "-e", script(prctl.getAsInt(), merge), "--");
  }

  /** prctl's system call number: x86-64's, or the generic table's (arm64, riscv64); empty for others. */
  static java.util.OptionalInt prctlNumber(String arch) {
    return SystemCalls.find(arch, "prctl");
  }

  /**
   * prctl(PR_SET_MEMORY_MERGE = 67, 1 or 0), then exec. Setting it and failing only warns: the
   * process runs, unmerged, as on a kernel before 6.4; clearing it fails only where there is no
   * such prctl, and so no mark to clear.
   */
  static String script(int prctl, boolean merge) {
    return "syscall(" + prctl + ", 67, " + (merge ? 1 : 0) + ", 0, 0, 0) == 0 or "
        + (merge ? "warn \"prctl(PR_SET_MEMORY_MERGE): $!\\n\";" : "1;")
        + " exec { $ARGV[0] } @ARGV or die \"exec $ARGV[0]: $!\\n\"";
  }
}
