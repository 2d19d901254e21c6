package dev.peapod.provider.qemu;

import dev.peapod.provider.qemu.runtime.SamePageMerging;
import dev.peapod.provider.qemu.runtime.VmSockets;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The launcher of a program that takes an already connected socket to its VM's QEMU on its stdin:
 * the log writers ({@code rotatelogs}, see {@link LogWriters}) and passt ({@code --fd 0}, see {@link
 * PasstNetwork}). It connects, checks the listener's credentials ({@code SO_PEERCRED}) as {@link
 * VmSockets} does for Peapod's own connections, and only then makes the socket its stdin and execs
 * the program, which keeps its pid: one process per writer, as before.
 *
 * <p>It replaces {@code socat UNIX-CONNECT:... EXEC:...,nofork}, which connected as root to
 * whatever the VM user's directory held at that name (a QEMU a guest took over can make its log
 * socket a link to another VM's console, or its net socket one to the controller's API, and passt
 * would have sent that socket its frames) and has no way to check a peer. Perl because it is
 * essential in Debian (perl-base) and QEMU's launch already uses it ({@link QemuCommandLine#THP_OFF});
 * the program's arguments are passed as argv, not through a socat address string.
 *
 * <p>One perl process does all of it, with perl's built-in socket calls and system calls by
 * number, because every warm start waits for three of these (two log writers and passt): the
 * {@code setsid} program, a second perl for the same-page merging mark ({@link SamePageMerging})
 * and {@code use Socket} (perl's Socket and Exporter modules) each cost an exec or a module load,
 * and together they tripled a launch (~45 against ~14 ms per launch at load 27; session 9 in
 * bench/RESULTS.md). So the constants are Linux's own: {@code AF_UNIX} 1, {@code SOCK_STREAM} 1,
 * {@code SOL_SOCKET} 1, {@code SO_PEERCRED} 17, and {@code struct sockaddr_un} is the family as a
 * native short followed by the path; these hold on x86-64, arm64 and riscv64, the hosts {@link
 * #SCRIPT}'s system call numbers are given for (another architecture is refused, see {@link #forArchitecture}).
 */
final class PeerCheckedConnect {

  private PeerCheckedConnect() {}

  /**
   * Marks itself mergeable if $ARGV[2] is 1 (a warning if the kernel cannot), leads a session of its
   * own, connects to $ARGV[0], requires uid $ARGV[1] to listen there, then execs the rest with the
   * socket as stdin. Formatted with the host's prctl and setsid system call numbers.
   */
  static final String SCRIPT = "my ($path, $uid, $merge) = splice(@ARGV, 0, 3);"
      + " $merge and (syscall(%1$d, 67, 1, 0, 0, 0) == 0 or warn \"prctl(PR_SET_MEMORY_MERGE): $!\\n\");"
      + " syscall(%2$d) >= 0 or die \"setsid: $!\\n\";"
      + " socket(my $s, 1, 1, 0) or die \"socket: $!\\n\";"
      + " connect($s, pack(\"S\", 1) . $path) or die \"connect $path: $!\\n\";"
      + " my $cred = getsockopt($s, 1, 17) or die \"SO_PEERCRED of $path: $!\\n\";"
      + " my (undef, $peer) = unpack(\"iI\", $cred);"
      + " $peer == $uid or die \"$path is served by uid $peer, not by the VM's QEMU (uid $uid):"
      + " refused, nothing was sent\\n\";"
      + " open(STDIN, \"<&\", $s) or die \"dup: $!\\n\";"
      + " exec { $ARGV[0] } @ARGV or die \"exec $ARGV[0]: $!\\n\"";

  /** The sender of {@link #WAKING_SCRIPT}'s probe: a locally administered address no NIC here has. */
  static final String PROBE_MAC = "0250617373ff";

  /**
   * {@link #SCRIPT} for passt on the net socket of a guest that already runs, with two more arguments
   * after the mark: between the peer check and the exec it sends the guest an ARP probe for the
   * address given as the fourth argument (8 hex digits; sender address 0.0.0.0, so the guest answers
   * and learns nothing from it) and waits at most the fifth argument's seconds for a frame to come back. That frame stays in the
   * socket for passt, which reads it first and so knows the guest's MAC address before it handles a
   * connection to a forwarded port. Until passt has seen a frame from the guest it sends to the
   * broadcast address, which the guest's TCP drops, and passt does not send a SYN again: a
   * connection that came in before the guest spoke hung for passt's 10 s SYN timeout and was then
   * reset. (QMP announce-self after passt had started left that window open: a client polling the
   * port, as a load balancer or the race's curl does, got into it.) The frame is a length-prefixed
   * minimum Ethernet frame, as QEMU's stream netdev carries them.
   */
  static final String WAKING_SCRIPT = SCRIPT
      .replace("my ($path, $uid, $merge) = splice(@ARGV, 0, 3);",
          "my ($path, $uid, $merge, $guest, $wait) = splice(@ARGV, 0, 5);")
      .replace(" open(STDIN,", " my $mac = pack(\"H12\", \"" + PROBE_MAC + "\");"
          + " my $frame = (\"\\xff\" x 6) . $mac . pack(\"n\", 0x0806) . pack(\"nnCCn\", 1, 0x0800, 6, 4, 1)"
          + " . $mac . pack(\"N\", 0) . (\"\\0\" x 6) . pack(\"H8\", $guest) . (\"\\0\" x 18);"
          + " syswrite($s, pack(\"N\", length $frame) . $frame) or die \"write $path: $!\\n\";"
          + " my $r = \"\"; vec($r, fileno($s), 1) = 1; select($r, undef, undef, $wait);"
          + " open(STDIN,");

  /** {@link #SCRIPT} with this host's system call numbers. */
  static String script() {
    return forHost(SCRIPT);
  }

  /** {@code script} (one of the scripts here) with this host's system call numbers. */
  static String forHost(String script) {
    return forArchitecture(script, System.getProperty("os.arch"));
  }

  /**
   * {@code script} with {@code arch}'s system call numbers; an architecture whose numbers Peapod does not know is
   * refused ({@link dev.peapod.provider.qemu.runtime.SystemCalls#number}): x86-64's there would call something else.
   */
  static String forArchitecture(String script, String arch) {
    return String.format(Locale.ROOT, script, dev.peapod.provider.qemu.runtime.SystemCalls.number(arch, "prctl"),
        dev.peapod.provider.qemu.runtime.SystemCalls.number(arch, "setsid"));
  }

  /**
   * The argv that runs {@code program} (in a session of its own, marked for same-page merging as
   * {@code merging} says for helpers) on {@code socket}, which the uid {@code peerUid} must serve.
   *
   * @param socket the socket as the program's working directory names it
   */
  static List<String> argv(String socket, int peerUid, SamePageMerging merging, List<String> program) {
    List<String> argv = new ArrayList<>(List.of("perl", "-e", script(), socket,
        Integer.toUnsignedString(peerUid), merging.marksHelpers() ? "1" : "0"));
    argv.addAll(program);
    return argv;
  }

  /**
   * {@link #argv} that first has the running guest at {@code guestAddress} send a frame, waiting for it
   * at most {@code wait} (see {@link #WAKING_SCRIPT}); past that the program runs all the same.
   */
  static List<String> argvWakingGuest(String socket, int peerUid, SamePageMerging merging, String guestAddress,
      java.time.Duration wait, List<String> program) {
    StringBuilder hex = new StringBuilder();
    for (String octet : guestAddress.split("\\.")) {
      hex.append(String.format(Locale.ROOT, "%02x", Integer.parseInt(octet)));
    }
    List<String> argv = new ArrayList<>(List.of("perl", "-e", forHost(WAKING_SCRIPT), socket,
        Integer.toUnsignedString(peerUid), merging.marksHelpers() ? "1" : "0", hex.toString(),
        String.format(Locale.ROOT, "%.3f", wait.toMillis() / 1000.0)));
    argv.addAll(program);
    return argv;
  }

  /** Who must serve {@code socket} (see {@link VmSockets#servingUid}). */
  static int peerUid(Path socket) throws IOException {
    return VmSockets.servingUid(socket);
  }
}
