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
 * #SCRIPT}'s system call numbers are given for.
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

  /** {@link #SCRIPT} with this host's system call numbers. */
  static String script() {
    String arch = System.getProperty("os.arch");
    boolean generic = arch.equals("aarch64") || arch.equals("riscv64"); // asm-generic numbers; x86-64 otherwise
    return String.format(Locale.ROOT, SCRIPT, generic ? 167 : 157, generic ? 157 : 112);
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

  /** Who must serve {@code socket} (see {@link VmSockets#servingUid}). */
  static int peerUid(Path socket) throws IOException {
    return VmSockets.servingUid(socket);
  }
}
