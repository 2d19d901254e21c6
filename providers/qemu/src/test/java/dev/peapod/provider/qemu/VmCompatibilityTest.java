package dev.peapod.provider.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.ImageRootfs;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.PortForward;
import dev.peapod.provider.VmResources;
import dev.peapod.provider.qemu.runtime.VmRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class VmCompatibilityTest {

  private static final Path KERNEL = Path.of("/k/bzImage");
  private static final ImageRootfs A = new ImageRootfs("sha256:a", Path.of("/a.erofs"));
  private static final ImageRootfs B = new ImageRootfs("sha256:b", Path.of("/b.erofs"));
  private static final PodSpec SPEC = PodSpec.of("web", List.of(ContainerSpec.of("app", A, List.of("true"))))
      .withPorts(List.of(PortForward.tcp(8080, 80)));
  private static final HostShare DATA = new HostShare("data", "peapod.vol.data", Path.of("/srv/data"), null, null,
      false);
  private static final VmRecord VM = vm(Path.of("/state/pods/web/images"), List.of(DATA));

  private static VmRecord vm(Path imageShare, List<HostShare> hostShares) {
    return new VmRecord(1, 1, "h", "g", "tcg", KERNEL, SPEC.vm(), ImageDevices.assign(SPEC, 16), SPEC.ports(),
        Instant.EPOCH, Duration.ZERO, true, imageShare, hostShares);
  }

  private static Optional<String> reason(PodSpec spec, HostShare... shares) {
    return VmCompatibility.recreateReason(VM, spec, KERNEL, List.of(shares));
  }

  /** vm.json without vmUser: an older Peapod's VM, whose QEMU runs as root until it is recreated. */
  @Test
  void aVmWithoutAVmUserIsOneToRecreateWhenVmUsersAreOn() {
    assertEquals(Optional.of("its VM runs QEMU as root (started by an older Peapod); QEMU now runs as a VM user of"
        + " its own"), QemuProvider.recreateReason(VM, true));
    assertEquals(Optional.empty(), QemuProvider.recreateReason(VM, false), "PEAPOD_VM_USERS=off: as every VM");
    VmRecord own = VM.withVmUser(2_000_000_001, "token");
    assertEquals(Optional.empty(), QemuProvider.recreateReason(own, true));
  }

  @Test
  void containerImageAndPortChangesNeedNoNewVm() {
    assertEquals(Optional.empty(), reason(SPEC.withContainers(List.of(
        ContainerSpec.of("other", A, List.of("sleep", "1")), ContainerSpec.of("more", A, List.of("true")))), DATA));
    // A new image comes in through the image share; ports change over QMP.
    assertEquals(Optional.empty(), reason(SPEC.withContainers(List.of(ContainerSpec.of("app", B, List.of("true")))),
        DATA));
    assertEquals(Optional.empty(), reason(SPEC.withPorts(List.of()), DATA));
    assertEquals(Optional.empty(), reason(SPEC.withPorts(List.of(PortForward.tcp(9090, 80))), DATA));
  }

  @Test
  void vmLevelChangesDo() {
    assertEquals("vcpus change from 1 to 2",
        reason(SPEC.withVm(new VmResources(2, 128, Optional.empty())), DATA).orElseThrow());
    assertTrue(reason(SPEC.withVm(new VmResources(1, 256, Optional.empty())), DATA).orElseThrow()
        .startsWith("memory changes from "));
    assertEquals("kernel changes from /k/bzImage to /other",
        VmCompatibility.recreateReason(VM, SPEC, Path.of("/other"), List.of(DATA)).orElseThrow());
  }

  @Test
  void hostPathChangesDo() {
    assertEquals("hostPath volume \"data\" (/srv/data) is removed", reason(SPEC).orElseThrow());
    HostShare conf = new HostShare("conf", "peapod.vol.conf", Path.of("/state/pods/web/host-files/conf"), "app.conf",
        Path.of("/etc/app/app.conf"), false);
    assertEquals("hostPath volume \"conf\" (/etc/app/app.conf) is added", reason(SPEC, DATA, conf).orElseThrow());
    assertEquals("hostPath volume \"data\" changes from /srv/data to /srv/other",
        reason(SPEC, new HostShare("data", "peapod.vol.data", Path.of("/srv/other"), null, null, false)).orElseThrow());
  }

  @Test
  void aReadOnlyExportThatMustBecomeWritableDoes() {
    // Exported read-only because every mount was; a writable mount now needs the export writable.
    VmRecord readOnly = vm(Path.of("/state/pods/web/images"), List.of(new HostShare("data", "peapod.vol.data",
        Path.of("/srv/data"), null, null, true)));
    assertEquals("hostPath volume \"data\" is now mounted writable, and its export is read-only",
        VmCompatibility.recreateReason(readOnly, SPEC, KERNEL, List.of(DATA)).orElseThrow());
  }

  @Test
  void aOneFileShareOfAnOlderPeapodExportingItsDirectoryNeedsANewVm() {
    VmRecord old = vm(Path.of("/state/pods/web/images"), List.of(new HostShare("conf", "peapod.vol.conf",
        Path.of("/etc/app"), "app.conf", null, false)));
    HostShare now = new HostShare("conf", "peapod.vol.conf", Path.of("/state/pods/web/host-files/conf"), "app.conf",
        Path.of("/etc/app/app.conf"), false);
    assertEquals("hostPath volume \"conf\" (/etc/app/app.conf) is now shared through /state/pods/web/host-files/conf"
        + " (the running VM exports /etc/app)", VmCompatibility.recreateReason(old, SPEC, KERNEL, List.of(now))
        .orElseThrow());
  }

  @Test
  void aOneFileShareHandedOverMovesItsDirectoryAndStillFits() {
    HostShare conf = new HostShare("conf", "peapod.vol.conf", Path.of("/state/pods/old/host-files/conf"), "app.conf",
        Path.of("/etc/app/app.conf"), false);
    HostShare moved = conf.movedTo(Path.of("/state/pods/new/host-files"));
    assertEquals(Path.of("/state/pods/new/host-files/conf"), moved.dir());
    assertEquals(DATA, DATA.movedTo(Path.of("/state/pods/new/host-files")), "a directory volume stays");
    VmRecord running = vm(Path.of("/state/pods/new/images"), List.of(moved));
    HostShare wanted = new HostShare("conf", "peapod.vol.conf", Path.of("/state/pods/other/host-files/conf"),
        "app.conf", Path.of("/etc/app/app.conf"), false);
    assertEquals(Optional.empty(), VmCompatibility.recreateReason(running, SPEC, KERNEL, List.of(wanted)));
  }

  @Test
  void aVmWithoutImageShareStillNeedsItsImagesAtLaunch() {
    VmRecord old = vm(null, List.of());
    assertEquals("image sha256:b of container \"app\" is not attached to the running VM, which has no image share"
            + " (started by an older Peapod)",
        VmCompatibility.recreateReason(old, SPEC.withContainers(List.of(ContainerSpec.of("app", B, List.of("true")))),
            KERNEL, List.of()).orElseThrow());
    assertEquals(Optional.empty(), VmCompatibility.recreateReason(old, SPEC, KERNEL, List.of()));
  }

  @Test
  void imagesGetOneDeviceEachInOrderOfFirstUseWhileSlotsLast() {
    PodSpec spec = SPEC.withContainers(List.of(ContainerSpec.of("x", B, List.of("true")),
        ContainerSpec.of("y", A, List.of("true")), ContainerSpec.of("z", B, List.of("true"))));
    assertEquals(List.of(new ImageDevice("img0", "sha256:b", B.path()), new ImageDevice("img1", "sha256:a", A.path())),
        ImageDevices.assign(spec, 16));
    assertEquals(List.of(new ImageDevice("img0", "sha256:b", B.path())), ImageDevices.assign(spec, 1));
  }
}
