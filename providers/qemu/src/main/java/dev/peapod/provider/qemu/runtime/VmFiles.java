package dev.peapod.provider.qemu.runtime;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The files a running VM uses on the host, all in one runtime directory.
 *
 * @param dir the directory holding them
 */
public record VmFiles(Path dir) {

  /**
   * Longest unix socket path the kernel accepts: sun_path is 108 bytes
   * including the terminating NUL. QEMU fails late and obscurely beyond it.
   */
  public static final int MAX_SOCKET_PATH_BYTES = 107;

  public VmFiles {
    dir = dir.toAbsolutePath().normalize();
  }

  /** The guest's serial console (kernel messages, guest-init diagnostics). */
  public Path console() {
    return dir.resolve("console.log");
  }

  /** Unix socket of the "peapod.ctl" virtio-serial port. */
  public Path ctlSocket() {
    return dir.resolve("ctl.sock");
  }

  /** Where QEMU writes the "peapod.log" port: the guest's container output frames. */
  public Path containersLog() {
    return dir.resolve("containers.log");
  }

  /** The directory exported to the guest as its 9p image share (see ImageShare). */
  public Path imageShare() {
    return dir.resolve("images");
  }

  /** One directory per one-file hostPath volume, each holding a hard link to that file (see HostShares). */
  public Path hostFiles() {
    return dir.resolve("host-files");
  }

  /** The name of {@link #netSocket()} in the pod directory (passt's launcher connects to it from there). */
  public static final String NET_SOCKET = "net.sock";

  /** QEMU's {@code -netdev stream} server socket, which the VM's passt connects to. */
  public Path netSocket() {
    return dir.resolve(NET_SOCKET);
  }

  /** The VM's passt process: {@code pid starttime}. */
  public Path netPidFile() {
    return dir.resolve("passt.pid");
  }

  /** What passt (and its launcher, PeerCheckedConnect) said. */
  public Path netLog() {
    return dir.resolve("passt.log");
  }

  /**
   * A socket QEMU listens on and never reads: a watcher that connects to it learns that the VM
   * ended the moment the connection closes (no polling, no hold on the QMP or guest sockets).
   */
  public Path lifeline() {
    return dir.resolve("lifeline.sock");
  }

  /** QEMU's socket for the "peapod.log" port, which the container log's writer connects to. */
  public Path containersLogSocket() {
    return dir.resolve("log.sock");
  }

  /** QEMU's socket for the serial console, which the console's writer connects to. */
  public Path consoleSocket() {
    return dir.resolve("console.sock");
  }

  /** The container log's writer: {@code pid starttime}. */
  public Path containersLogWriterPid() {
    return dir.resolve("log-writer.pid");
  }

  /** The console's writer: {@code pid starttime}. */
  public Path consoleWriterPid() {
    return dir.resolve("console-writer.pid");
  }

  /** What the log writers (their launcher, PeerCheckedConnect, and rotatelogs) said. */
  public Path logWritersLog() {
    return dir.resolve("log-writers.err");
  }

  /** QEMU's monitor (QMP) socket. */
  public Path qmpSocket() {
    return dir.resolve("qmp.sock");
  }

  /** QEMU's pid, written by QEMU as it starts. */
  public Path pidFile() {
    return dir.resolve("qemu.pid");
  }

  /** QEMU's stderr and stdout until it is set up: why a launch failed. */
  public Path launchLog() {
    return dir.resolve("qemu.err");
  }

  /**
   * QEMU's stderr and stdout once it is set up, the last {@code QemuProcess.OUTPUT_TAIL_BYTES} of it or more (its
   * previous part in {@code qemu-output.log.1}): what QEMU said about a VM that stopped answering.
   */
  public Path qemuOutput() {
    return dir.resolve("qemu-output.log");
  }

  /**
   * The files a running QEMU has open or listens on, in the order a hand-over moves them. QEMU
   * reaches each through an open descriptor (the 9p export) or a socket bound to the file's
   * inode, so a rename within the file system does not disturb it. The logs' rotated files
   * ({@code console.log.1}, ...) move with their base file.
   */
  public List<Path> runtimeFiles() {
    return List.of(ctlSocket(), qmpSocket(), lifeline(), pidFile(), console(), containersLog(), imageShare(),
        hostFiles(), netSocket(), netPidFile(), netLog(), containersLogSocket(), consoleSocket(),
        containersLogWriterPid(), consoleWriterPid(), logWritersLog(), qemuOutput());
  }

  /** Why the sockets cannot be created at these paths, if they cannot. */
  public Optional<String> socketPathProblem() {
    for (Path socket : new Path[] {ctlSocket(), qmpSocket(), lifeline(), netSocket(), containersLogSocket(),
        consoleSocket()}) {
      int bytes = socket.toString().getBytes(StandardCharsets.UTF_8).length;
      if (bytes > MAX_SOCKET_PATH_BYTES) {
        return Optional.of("unix socket path " + socket + " is " + bytes + " bytes, more than the "
            + MAX_SOCKET_PATH_BYTES + " the kernel allows; use a shorter state directory (PEAPOD_HOME)");
      }
    }
    return Optional.empty();
  }
}
