package dev.peapod.provider.qemu.runtime;

import dev.peapod.provider.PortForward;
import dev.peapod.provider.VmInfo;
import dev.peapod.provider.VmResources;
import dev.peapod.provider.qemu.HostShare;
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
 * @param pid the QEMU process
 * @param processStartTime its start time in clock ticks since host boot, so a
 *     recycled pid is not taken for the VM
 * @param hostBootId the host's boot id at launch: after a host reboot no VM survives
 * @param guestBootId the guest kernel's boot id from READY
 * @param accelerator kvm or tcg
 * @param kernel the kernel it booted
 * @param resources vcpus and memory it booted with
 * @param images the image devices it booted with
 * @param ports the host ports QEMU forwards now (replace changes them)
 * @param startedAt when QEMU was launched
 * @param bootTime from launch until the guest answered HELLO
 * @param containersStarted false while start is still booting the guest and starting the
 *     containers: a record left false by a process killed meanwhile marks an interrupted start,
 *     which the next start replaces with a fresh boot (absent in records of older versions: true)
 * @param imageShare the directory it exports as its 9p image share, through
 *     which replace gives it any other image; null for a VM started before
 *     image shares existed, which can only use its {@code images}
 * @param hostShares its hostPath volumes' 9p devices, fixed at launch
 * @param boot how it came up: "cold boot" or "restored from template KEY" (absent in
 *     records of older versions: cold boot)
 * @param launchedAs the pod QEMU was launched for, when the VM was handed over to this pod since
 *     (QEMU's {@code -name} and its socket paths name that pod for the life of the process); null
 *     for a VM launched for the pod whose vm.json this is
 * @param vmUser the uid QEMU runs as (see {@link VmUsers}); null for a QEMU that runs as the user
 *     running Peapod (a VM with hostPath volumes, VM users off, or a VM of an older Peapod)
 * @param vmClaim the token of its uid's claim (see {@link VmUsers#CLAIM_FILE}): only the claim with
 *     it is freed when the VM stops; null with no VM user, or from an older Peapod
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
    Boolean containersStarted,
    Path imageShare,
    List<HostShare> hostShares,
    String boot,
    String launchedAs,
    Integer vmUser,
    String vmClaim) {

  /** A record without a VM user. */
  public VmRecord(long pid, long processStartTime, String hostBootId, String guestBootId, String accelerator,
      Path kernel, VmResources resources, List<ImageDevice> images, List<PortForward> ports, Instant startedAt,
      Duration bootTime, Boolean containersStarted, Path imageShare, List<HostShare> hostShares, String boot,
      String launchedAs) {
    this(pid, processStartTime, hostBootId, guestBootId, accelerator, kernel, resources, images, ports, startedAt,
        bootTime, containersStarted, imageShare, hostShares, boot, launchedAs, null, null);
  }

  /** A record with a VM user and no claim token. */
  public VmRecord(long pid, long processStartTime, String hostBootId, String guestBootId, String accelerator,
      Path kernel, VmResources resources, List<ImageDevice> images, List<PortForward> ports, Instant startedAt,
      Duration bootTime, Boolean containersStarted, Path imageShare, List<HostShare> hostShares, String boot,
      String launchedAs, Integer vmUser) {
    this(pid, processStartTime, hostBootId, guestBootId, accelerator, kernel, resources, images, ports, startedAt,
        bootTime, containersStarted, imageShare, hostShares, boot, launchedAs, vmUser, null);
  }

  /** This record naming the uid QEMU runs as and the token of its claim. */
  public VmRecord withVmUser(Integer uid, String claim) {
    return new VmRecord(pid, processStartTime, hostBootId, guestBootId, accelerator, kernel, resources, images,
        ports, startedAt, bootTime, containersStarted, imageShare, hostShares, boot, launchedAs, uid, claim);
  }

  public VmRecord {
    boot = boot == null ? VmInfo.COLD_BOOT : boot;
    images = List.copyOf(images);
    ports = List.copyOf(ports);
    containersStarted = containersStarted == null || containersStarted;
    hostShares = List.copyOf(hostShares == null ? List.of() : hostShares);
  }

  /** A record of a VM whose start completed, without image share or hostPath devices. */
  public VmRecord(long pid, long processStartTime, String hostBootId, String guestBootId, String accelerator,
      Path kernel, VmResources resources, List<ImageDevice> images, List<PortForward> ports, Instant startedAt,
      Duration bootTime) {
    this(pid, processStartTime, hostBootId, guestBootId, accelerator, kernel, resources, images, ports, startedAt,
        bootTime, true, null, List.of(), VmInfo.COLD_BOOT, null);
  }

  /** A VM being started, with image share and hostPath devices. */
  public VmRecord(long pid, long processStartTime, String hostBootId, String guestBootId, String accelerator,
      Path kernel, VmResources resources, List<ImageDevice> images, List<PortForward> ports, Instant startedAt,
      Duration bootTime, Boolean containersStarted, Path imageShare, List<HostShare> hostShares) {
    this(pid, processStartTime, hostBootId, guestBootId, accelerator, kernel, resources, images, ports, startedAt,
        bootTime, containersStarted, imageShare, hostShares, VmInfo.COLD_BOOT, null);
  }

  /** This record saying how the VM came up. */
  public VmRecord withBoot(String how) {
    return new VmRecord(pid, processStartTime, hostBootId, guestBootId, accelerator, kernel, resources, images,
        ports, startedAt, bootTime, containersStarted, imageShare, hostShares, how, launchedAs, vmUser, vmClaim);
  }

  /** This record with the start's progress set. */
  public VmRecord withContainersStarted(boolean started) {
    return new VmRecord(pid, processStartTime, hostBootId, guestBootId, accelerator, kernel, resources, images,
        ports, startedAt, bootTime, started, imageShare, hostShares, boot, launchedAs, vmUser, vmClaim);
  }

  /** Whether the start that recorded this VM completed (see {@code containersStarted}). */
  public boolean startCompleted() {
    return containersStarted;
  }

  /** The same VM forwarding {@code newPorts}. */
  public VmRecord withPorts(List<PortForward> newPorts) {
    return new VmRecord(pid, processStartTime, hostBootId, guestBootId, accelerator, kernel, resources, images,
        newPorts, startedAt, bootTime, containersStarted, imageShare, hostShares, boot, launchedAs, vmUser, vmClaim);
  }

  /** The same VM once the guest answered: its boot id and how long the boot took. */
  public VmRecord booted(String bootId, Duration took) {
    return new VmRecord(pid, processStartTime, hostBootId, bootId, accelerator, kernel, resources, images,
        ports, startedAt, took, containersStarted, imageShare, hostShares, boot, launchedAs, vmUser, vmClaim);
  }

  /**
   * This VM as pod {@code pod} runs it after a hand-over: its image share now in {@code imageShareNow}
   * and its one-file hostPath directories in {@code hostFilesNow} (moved with the pod directory's other
   * VM files), its start under way until the new containers run.
   */
  public VmRecord handedOver(String launchedFor, Path imageShareNow, Path hostFilesNow) {
    List<HostShare> sharesNow = hostShares.stream().map(s -> s.movedTo(hostFilesNow)).toList();
    return new VmRecord(pid, processStartTime, hostBootId, guestBootId, accelerator, kernel, resources, images,
        ports, startedAt, bootTime, false, imageShare == null ? null : imageShareNow, sharesNow, boot,
        launchedAs != null ? launchedAs : launchedFor, vmUser, vmClaim);
  }

  /** The pod whose name QEMU's command line carries: {@code pod} itself unless the VM was handed over to it. */
  public String launchedFor(String pod) {
    return launchedAs == null ? pod : launchedAs;
  }

  public VmInfo info() {
    return new VmInfo(guestBootId, pid, accelerator, startedAt, bootTime, boot);
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
