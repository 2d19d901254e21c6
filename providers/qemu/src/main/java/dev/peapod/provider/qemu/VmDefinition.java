package dev.peapod.provider.qemu;

import dev.peapod.provider.qemu.runtime.VmUsers;

import dev.peapod.provider.PortForward;
import dev.peapod.provider.qemu.runtime.VmFiles;
import java.nio.file.Path;
import java.util.List;

/**
 * Everything that decides a VM's QEMU command line.
 *
 * @param name the pod's name (a DNS label); the process is named {@code peapod-<name>}
 * @param kernel the bzImage to boot
 * @param initrd the initramfs holding guest-init
 * @param vcpus virtual CPUs
 * @param memoryMiB guest RAM
 * @param accelerator KVM or TCG
 * @param files where sockets, logs and the pid file go
 * @param images read-only images, one virtio-blk device each
 * @param ports host ports forwarded into the guest by QEMU's user network
 * @param network whether the VM gets a network device at all (the accelerator probe has none)
 * @param imageShare the directory exported read-only as the 9p image share, or null for none
 * @param hostShares hostPath volumes, one virtio-9p device each
 * @param ram how guest RAM is backed: a fresh memfd, or a file (a template, or a VM restored from one)
 * @param user the host user QEMU runs as, or null for the user running Peapod (see {@link VmUsers})
 */
public record VmDefinition(
    String name,
    Path kernel,
    Path initrd,
    int vcpus,
    int memoryMiB,
    Accelerator accelerator,
    VmFiles files,
    List<ImageDevice> images,
    List<PortForward> ports,
    boolean network,
    Path imageShare,
    List<HostShare> hostShares,
    GuestRam ram,
    VmUsers.VmUser user) {

  /** QEMU as the user running Peapod. */
  public VmDefinition(String name, Path kernel, Path initrd, int vcpus, int memoryMiB, Accelerator accelerator,
      VmFiles files, List<ImageDevice> images, List<PortForward> ports, boolean network, Path imageShare,
      List<HostShare> hostShares, GuestRam ram) {
    this(name, kernel, initrd, vcpus, memoryMiB, accelerator, files, images, ports, network, imageShare,
        hostShares, ram, null);
  }

  /** Guest RAM in a fresh memfd, booted cold. */
  public VmDefinition(String name, Path kernel, Path initrd, int vcpus, int memoryMiB, Accelerator accelerator,
      VmFiles files, List<ImageDevice> images, List<PortForward> ports, boolean network, Path imageShare,
      List<HostShare> hostShares) {
    this(name, kernel, initrd, vcpus, memoryMiB, accelerator, files, images, ports, network, imageShare,
        hostShares, GuestRam.MEMFD);
  }

  public VmDefinition {
    ram = ram == null ? GuestRam.MEMFD : ram;
    images = List.copyOf(images);
    ports = List.copyOf(ports);
    hostShares = List.copyOf(hostShares == null ? List.of() : hostShares);
  }

  /** The same VM with its RAM backed as {@code newRam}. */
  public VmDefinition withRam(GuestRam newRam) {
    return new VmDefinition(name, kernel, initrd, vcpus, memoryMiB, accelerator, files, images, ports, network,
        imageShare, hostShares, newRam, user);
  }

  /** The same VM with QEMU run as {@code newUser}. */
  public VmDefinition withUser(VmUsers.VmUser newUser) {
    return new VmDefinition(name, kernel, initrd, vcpus, memoryMiB, accelerator, files, images, ports, network,
        imageShare, hostShares, ram, newUser);
  }

  /**
   * Where QEMU creates its sockets and pid file: {@link #files} when it runs as the user running
   * Peapod, else its VM user's own directory, which {@link #files} links to (see {@link
   * QemuProcess#launch}).
   */
  public VmFiles qemuFiles() {
    return user == null ? files : new VmFiles(user.qemuDir());
  }

  /** The QEMU process name; also how a pid is recognised as this VM's after a restart. */
  public String processName() {
    return processName(name);
  }

  public static String processName(String pod) {
    return "peapod-" + pod;
  }

  /**
   * What the VM's command line contains and no other pod's does (with a
   * trailing space, "peapod-web" does not match "peapod-web2").
   */
  public static String commandLineMarker(String pod) {
    return "-name " + processName(pod) + " ";
  }
}
