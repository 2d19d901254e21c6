package dev.peapod.provider.qemu.runtime;

import dev.peapod.provider.PortForward;
import dev.peapod.provider.VmInfo;
import dev.peapod.provider.VmResources;
import dev.peapod.provider.qemu.ImageDevice;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A running VM as {@code start} recorded it (vm.json); present exactly while
 * the pod is meant to be running.
 *
 * @param pid the daemonized QEMU process
 * @param processStartTime its start time in clock ticks since host boot, so a
 *     recycled pid is not taken for the VM
 * @param hostBootId the host's boot id at launch: after a host reboot no VM survives
 * @param guestBootId the guest kernel's boot id from READY
 * @param accelerator kvm or tcg
 * @param kernel the kernel it booted
 * @param resources vcpus and memory it booted with
 * @param images the image devices it has: replace can only use these
 * @param ports the host ports QEMU forwards
 * @param startedAt when QEMU was launched
 * @param bootTime from launch until the guest answered HELLO
 * @param containersStarted false while start is still booting the guest and starting the
 *     containers: a record left false by a process killed meanwhile marks an interrupted start,
 *     which the next start replaces with a fresh boot (absent in records of older versions: true)
 */
public record VmRecord(
    long pid,
    long processStartTime,
    String hostBootId,
    String guestBootId,
    String accelerator,
    Path kernel,
    VmResources resources,
    List<ImageDevice> images,
    List<PortForward> ports,
    Instant startedAt,
    Duration bootTime,
    Boolean containersStarted) {

  public VmRecord {
    images = List.copyOf(images);
    ports = List.copyOf(ports);
    containersStarted = containersStarted == null || containersStarted;
  }

  /** A record of a VM whose start completed. */
  public VmRecord(long pid, long processStartTime, String hostBootId, String guestBootId, String accelerator,
      Path kernel, VmResources resources, List<ImageDevice> images, List<PortForward> ports, Instant startedAt,
      Duration bootTime) {
    this(pid, processStartTime, hostBootId, guestBootId, accelerator, kernel, resources, images, ports, startedAt,
        bootTime, true);
  }

  /** This record with the start's progress set. */
  public VmRecord withContainersStarted(boolean started) {
    return new VmRecord(pid, processStartTime, hostBootId, guestBootId, accelerator, kernel, resources, images,
        ports, startedAt, bootTime, started);
  }

  /** Whether the start that recorded this VM completed (see {@code containersStarted}). */
  public boolean startCompleted() {
    return containersStarted;
  }

  public VmInfo info() {
    return new VmInfo(guestBootId, pid, accelerator, startedAt, bootTime);
  }

  /** The device serial that carries the image with this id in this VM. */
  public Optional<String> serialOf(String imageId) {
    return images.stream().filter(d -> d.imageId().equals(imageId)).map(ImageDevice::serial).findFirst();
  }

  /** The image id behind a device serial, or the serial itself if unknown. */
  public String imageIdOf(String serial) {
    return images.stream().filter(d -> d.serial().equals(serial)).map(ImageDevice::imageId)
        .findFirst().orElse(serial);
  }
}
