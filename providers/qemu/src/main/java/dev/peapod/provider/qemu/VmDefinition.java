package dev.peapod.provider.qemu;

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
    List<HostShare> hostShares) {

  public VmDefinition {
    images = List.copyOf(images);
    ports = List.copyOf(ports);
    hostShares = List.copyOf(hostShares == null ? List.of() : hostShares);
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
