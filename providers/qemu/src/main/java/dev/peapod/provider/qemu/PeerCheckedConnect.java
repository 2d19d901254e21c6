package dev.peapod.provider.qemu;

import dev.peapod.provider.qemu.runtime.VmSockets;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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
 * essential in Debian (perl-base, with its Socket module) and QEMU's launch already uses it
 * ({@link QemuCommandLine#THP_OFF}); the program's arguments are passed as argv, not through a
 * socat address string.
 */
final class PeerCheckedConnect {

  private PeerCheckedConnect() {}

  /** Connects to $ARGV[0], requires uid $ARGV[1] to listen there, then execs the rest with the socket as stdin. */
  static final String SCRIPT = "use Socket; my ($path, $uid) = splice(@ARGV, 0, 2);"
      + " socket(my $s, AF_UNIX, SOCK_STREAM, 0) or die \"socket: $!\\n\";"
      + " connect($s, pack_sockaddr_un($path)) or die \"connect $path: $!\\n\";"
      + " my $cred = getsockopt($s, SOL_SOCKET, SO_PEERCRED) or die \"SO_PEERCRED of $path: $!\\n\";"
      + " my (undef, $peer) = unpack(\"iI\", $cred);"
      + " $peer == $uid or die \"$path is served by uid $peer, not by the VM's QEMU (uid $uid):"
      + " refused, nothing was sent\\n\";"
      + " open(STDIN, \"<&\", $s) or die \"dup: $!\\n\";"
      + " exec { $ARGV[0] } @ARGV or die \"exec $ARGV[0]: $!\\n\"";

  /**
   * The argv that runs {@code program} (in a session of its own) on {@code socket}, which the uid
   * {@code peerUid} must serve.
   *
   * @param socket the socket as the program's working directory names it
   */
  static List<String> argv(String socket, int peerUid, List<String> program) {
    List<String> argv = new ArrayList<>(List.of("setsid", "perl", "-e", SCRIPT, socket,
        Integer.toUnsignedString(peerUid)));
    argv.addAll(program);
    return argv;
  }

  /** Who must serve {@code socket} (see {@link VmSockets#servingUid}). */
  static int peerUid(Path socket) throws IOException {
    return VmSockets.servingUid(socket);
  }
}
