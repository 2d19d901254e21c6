package dev.peapod.provider.qemu.runtime;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * Connections to a VM's unix sockets (QMP, the guest's control port, the lifeline, the migration
 * socket) that reach that VM's own QEMU or nothing.
 *
 * <p>A VM user's QEMU creates its sockets in its own directory ({@link VmUsers}), which a QEMU a
 * guest took over owns: it can replace a socket by a symbolic link to any socket root can reach
 * (another VM's, the controller's API socket), and root's connect follows it. So after connecting,
 * before a byte is sent or read, the peer's credentials ({@code SO_PEERCRED}: who called
 * {@code listen}) must be the user that owns the socket's directory: the VM's uid for a VM user's
 * QEMU, which runs nothing else (one uid per VM, and QEMU's sandbox forbids it to start programs);
 * the user running Peapod for a QEMU that runs as that user. A socket that fails is closed at once
 * and the connect fails with {@link WrongPeerException}: what listens there received a connection
 * and nothing else.
 *
 * <p>Why this and not sockets root creates and hands to QEMU as listening fds, where QEMU cannot
 * rename them: that would need a helper that binds sockets in the launch chain (a shell cannot),
 * QEMU's chardev, QMP and netdev options rewritten to {@code fd=}, and every hand-over and pool
 * take-over to move root's sockets instead of links; the check here is one place every Java
 * client goes through, whatever the launch. The programs that take a connected socket (the log
 * writers and passt) are started by a launcher that makes the same check ({@code
 * PeerCheckedConnect}).
 */
public final class VmSockets {

  private VmSockets() {}

  /** The socket answered, but not as the VM's QEMU: nothing was sent. */
  public static final class WrongPeerException extends IOException {
    WrongPeerException(String message) {
      super(message);
    }
  }

  /** Connects to {@code socket} and checks that the VM's QEMU accepted (see the class comment). */
  public static SocketChannel connect(Path socket) throws IOException {
    UserPrincipal expected = servedBy(socket);
    SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      channel.connect(UnixDomainSocketAddress.of(socket));
      UnixDomainPrincipal peer = channel.getOption(ExtendedSocketOptions.SO_PEERCRED);
      if (!peer.user().equals(expected)) {
        throw new WrongPeerException(socket + " is served by a process of user " + peer.user().getName()
            + ", not by the VM's QEMU (user " + expected.getName() + "): refused, nothing was sent"
            + " (a QEMU a guest took over can replace the sockets in its directory)");
      }
      return channel;
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  /** The uid that must listen on {@code socket} (see {@link #servingDirectory}), for a launcher that checks it itself. */
  public static int servingUid(Path socket) throws IOException {
    return (Integer) Files.getAttribute(servingDirectory(socket), "unix:uid", LinkOption.NOFOLLOW_LINKS);
  }

  /** Who must listen on {@code socket}: the owner of {@link #servingDirectory}. */
  static UserPrincipal servedBy(Path socket) throws IOException {
    return Files.getOwner(servingDirectory(socket), LinkOption.NOFOLLOW_LINKS);
  }

  /**
   * The directory that holds {@code socket}. A symbolic link in a directory of the user running
   * Peapod (the pod directory's link into a VM user's run directory, {@code
   * QemuProcess.linkUserFiles}) is that user's own and is followed, once; a link in anyone else's
   * directory is not, since that user chose where it points.
   */
  private static Path servingDirectory(Path socket) throws IOException {
    Path path = socket.toAbsolutePath().normalize();
    Path dir = path.getParent();
    if (Files.isSymbolicLink(path) && Files.getOwner(dir, LinkOption.NOFOLLOW_LINKS)
        .equals(Files.getOwner(Path.of("/proc/self"), LinkOption.NOFOLLOW_LINKS))) {
      return path.resolveSibling(Files.readSymbolicLink(path)).normalize().getParent();
    }
    return dir;
  }
}
