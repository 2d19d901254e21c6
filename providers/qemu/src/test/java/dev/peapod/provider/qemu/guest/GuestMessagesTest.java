package dev.peapod.provider.qemu.guest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.peapod.provider.ContainerSecurity;
import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.ContainerStatus;
import dev.peapod.provider.ContainerStatus.ContainerState;
import dev.peapod.provider.DnsSettings;
import dev.peapod.provider.ExecSpec;
import dev.peapod.provider.ImageRootfs;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.RestartPolicy;
import dev.peapod.provider.VolumeMount;
import dev.peapod.provider.VolumeSpec;
import dev.peapod.provider.seccomp.SeccompCompiler;
import dev.peapod.provider.seccomp.SeccompProfile;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class GuestMessagesTest {

  private static final ContainerSpec WEB = ContainerSpec.of("web",
          new ImageRootfs("sha256:a", Path.of("/a.erofs")), List.of("httpd", "-f"))
      .withEnv(Map.of("A", "1")).withRestartPolicy(RestartPolicy.ON_FAILURE)
      .withMounts(List.of(new VolumeMount("data", "/data", true, "")));

  @Test
  void addContainerCarriesEveryFieldInProtoOrder() {
    Fields f = GuestMessages.addContainer(WEB, "img0", Duration.ofSeconds(3));

    assertEquals(Fields.builder()
        .str(Wire.F_CONTAINER, "web").str(Wire.F_IMAGE, "img0")
        .str(Wire.F_ARGV, "httpd").str(Wire.F_ARGV, "-f")
        .str(Wire.F_ENV, "A=1").str(Wire.F_CWD, "/")
        .u32(Wire.F_RESTART, Wire.RESTART_ON_FAILURE).u32(Wire.F_BACKOFF_MS, 1000)
        .group(Wire.F_MOUNT, Fields.builder().str(Wire.F_NAME, "data").str(Wire.F_PATH, "/data")
            .u32(Wire.F_READONLY, 1).build())
        .u32(Wire.F_GRACE_MS, 3000)
        .build(), f);
  }

  @Test
  void stdinStdinOnceAndTtyAreSentOnlyWhenOn() {
    Fields on = GuestMessages.addContainer(WEB.withStdio(new ContainerSpec.Stdio(true, true, true)), "img0",
        Duration.ZERO);
    assertEquals(OptionalInt.of(1), on.u32(Wire.F_STDIN));
    assertEquals(OptionalInt.of(1), on.u32(Wire.F_STDIN_ONCE));
    assertEquals(OptionalInt.of(1), on.u32(Wire.F_TTY));
    Fields off = GuestMessages.addContainer(WEB, "img0", Duration.ZERO);
    assertFalse(off.u32(Wire.F_STDIN).isPresent());
    assertFalse(off.u32(Wire.F_TTY).isPresent());
    assertEquals(Fields.builder().str(Wire.F_CONTAINER, "web").u32(Wire.F_STDIN, 1).u32(Wire.F_OUTPUT, 0).build(),
        GuestMessages.attach("web", true, false));
  }

  @Test
  void anImageFromTheShareIsNamedByImageFileInsteadOfImage() {
    Fields f = GuestMessages.addContainer(WEB, GuestImage.sharedFile("sha256_ab.erofs"), Duration.ofSeconds(3));
    assertEquals("sha256_ab.erofs", f.str(Wire.F_IMAGE_FILE).orElseThrow());
    assertFalse(f.str(Wire.F_IMAGE).isPresent());
  }

  @Test
  void hostPathVolumesNameTheirShare() {
    PodSpec spec = PodSpec.of("p", List.of()).withVolumes(List.of(new VolumeSpec("tmp", 0),
        VolumeSpec.hostPath("conf", new dev.peapod.provider.HostPath(java.nio.file.Path.of("/etc/app/app.conf"),
            dev.peapod.provider.HostPath.Type.FILE))));
    List<Fields> volumes = GuestMessages.startPod(spec, Instant.EPOCH,
        name -> name.equals("conf") ? new GuestMessages.HostVolume("peapod.vol.conf", "app.conf") : null)
        .groups(Wire.F_VOLUME);
    assertFalse(volumes.get(0).str(Wire.F_HOST_TAG).isPresent());
    assertEquals("peapod.vol.conf", volumes.get(1).str(Wire.F_HOST_TAG).orElseThrow());
    assertEquals("app.conf", volumes.get(1).str(Wire.F_HOST_FILE).orElseThrow());
  }

  @Test
  void aMountWithoutSubPathSendsNoSubPathField() {
    ContainerSpec c = WEB.withMounts(List.of(
        dev.peapod.provider.VolumeMount.of("logs", "/var/log"),
        new dev.peapod.provider.VolumeMount("data", "/data", true, "sub/dir")));
    List<Fields> mounts = GuestMessages.addContainer(c, "img0", Duration.ofSeconds(3)).groups(Wire.F_MOUNT);
    assertFalse(mounts.get(0).str(Wire.F_SUBPATH).isPresent());
    assertEquals("sub/dir", mounts.get(1).str(Wire.F_SUBPATH).orElseThrow());
    assertEquals(1, mounts.get(1).u32(Wire.F_READONLY).getAsInt());
  }

  @Test
  void aContainerWithoutSecurityContextSendsNoSecurityField() {
    Fields f = GuestMessages.addContainer(WEB, "img0", Duration.ofSeconds(3));
    for (int tag = Wire.F_CAPS; tag <= Wire.F_GROUPS_STRICT; tag++) {
      assertFalse(f.has(tag), "field 0x" + Integer.toHexString(tag));
    }
  }

  @Test
  void aRestrictedContainerSendsItsCapabilitiesGroupsAndFlags() {
    ContainerSecurity restricted = new ContainerSecurity(
        dev.peapod.provider.LinuxCapabilities.resolve(List.of("NET_BIND_SERVICE"), List.of("ALL")), true,
        ContainerSecurity.Seccomp.RUNTIME_DEFAULT, true, true, List.of(3000L, 2000L), true);
    Fields f = GuestMessages.addContainer(WEB.withSecurity(restricted), "img0", Duration.ofSeconds(3));

    assertEquals(1L << 10, f.u64(Wire.F_CAPS).getAsLong());
    assertEquals(1, f.u32(Wire.F_NO_NEW_PRIVS).getAsInt());
    assertEquals(Wire.SECCOMP_RUNTIME_DEFAULT, f.u32(Wire.F_SECCOMP).getAsInt());
    assertEquals(1, f.u32(Wire.F_READONLY_ROOT).getAsInt());
    assertEquals(1, f.u32(Wire.F_RUN_AS_NON_ROOT).getAsInt());
    assertEquals(1, f.u32(Wire.F_GROUPS_STRICT).getAsInt());
    assertEquals(2, f.all().stream().filter(x -> x.tag() == Wire.F_GROUP_ID).count());
  }

  @Test
  void escalationAndUnconfinedAreSentAsAsked() {
    ContainerSecurity loose = new ContainerSecurity(
        dev.peapod.provider.LinuxCapabilities.resolve(List.of("ALL"), List.of()), false,
        ContainerSecurity.Seccomp.UNCONFINED, false, false, List.of(), false);
    Fields f = GuestMessages.addContainer(WEB.withSecurity(loose), "img0", Duration.ofSeconds(3));

    assertEquals((1L << 41) - 1, f.u64(Wire.F_CAPS).getAsLong());
    assertEquals(0, f.u32(Wire.F_NO_NEW_PRIVS).getAsInt());
    assertEquals(Wire.SECCOMP_UNCONFINED, f.u32(Wire.F_SECCOMP).getAsInt());
    assertFalse(f.u32(Wire.F_GROUPS_STRICT).isPresent());
  }

  @Test
  void aLocalhostProfileIsSentCompiledForTheGuestToInstall() {
    SeccompProfile denyMkdir = new SeccompProfile("deny-mkdir.json", new SeccompProfile.Action(
        SeccompProfile.Kind.ALLOW, 0), List.of(new SeccompProfile.Rule("mkdir",
            new SeccompProfile.Action(SeccompProfile.Kind.ERRNO, 1), List.of())));
    ContainerSecurity localhost = new ContainerSecurity(dev.peapod.provider.LinuxCapabilities.DEFAULT, true,
        ContainerSecurity.Seccomp.LOCALHOST, false, false, List.of(), false, denyMkdir);
    Fields f = GuestMessages.addContainer(WEB.withSecurity(localhost), "img0", Duration.ofSeconds(3));

    assertEquals(Wire.SECCOMP_FILTER, f.u32(Wire.F_SECCOMP).getAsInt());
    byte[] program = f.all().stream().filter(x -> x.tag() == Wire.F_SECCOMP_FILTER).findFirst().orElseThrow().value();
    assertArrayEquals(SeccompCompiler.compile(denyMkdir), program);
    assertFalse(GuestMessages.addContainer(WEB, "img0", Duration.ofSeconds(3)).all().stream()
        .anyMatch(x -> x.tag() == Wire.F_SECCOMP_FILTER), "no program without a Localhost profile");
  }

  @Test
  void startPodCarriesFsGroupSysctlsAsProcPathsAndThePodName() {
    java.util.Map<String, String> sysctls = new java.util.LinkedHashMap<>();
    sysctls.put("net.ipv4.ip_local_port_range", "1024 65000");
    sysctls.put("net/ipv4/conf/eth0.100/forwarding", "1");
    PodSpec spec = PodSpec.of("web", List.of())
        .withSecurity(new dev.peapod.provider.PodSecurity(java.util.OptionalLong.of(2000), sysctls));
    Fields f = GuestMessages.startPod(spec, Instant.EPOCH);

    assertEquals("web", f.str(Wire.F_POD).orElseThrow());
    assertEquals(2000, f.u32(Wire.F_FS_GROUP).getAsInt());
    assertEquals(List.of("net/ipv4/ip_local_port_range=1024 65000", "net/ipv4/conf/eth0.100/forwarding=1"),
        f.strs(Wire.F_SYSCTL));
    assertFalse(GuestMessages.startPod(PodSpec.of("p", List.of()), Instant.EPOCH).u32(Wire.F_FS_GROUP).isPresent());
  }

  @Test
  void startPodCarriesPodWideSettings() {
    PodSpec spec = new PodSpec("p", "host", new DnsSettings(List.of("10.0.2.3"), List.of("lan"), List.of()),
        List.of("1.2.3.4 db"), null, List.of(), List.of(new VolumeSpec("data", 42)), null, null);
    Fields f = GuestMessages.startPod(spec, Instant.ofEpochSecond(10, 5));

    assertEquals("host", f.str(Wire.F_HOSTNAME).orElseThrow());
    assertEquals(List.of("10.0.2.3"), f.strs(Wire.F_DNS_SERVER));
    assertEquals(List.of("lan"), f.strs(Wire.F_DNS_SEARCH));
    assertEquals(List.of("1.2.3.4 db"), f.strs(Wire.F_HOSTS_LINE));
    assertEquals(10_000_000_005L, f.u64(Wire.F_TIME_NS).getAsLong());
    assertEquals(42, f.groups(Wire.F_VOLUME).get(0).u64(Wire.F_SIZE_LIMIT).getAsLong());
  }

  @Test
  void execLeavesOutWhatTheContainerDecides() {
    Fields f = GuestMessages.exec("exec.1", ExecSpec.of("web", "sh"));
    assertFalse(f.has(Wire.F_CWD));
    assertFalse(f.has(Wire.F_USER));
    assertEquals(0, f.u32(Wire.F_TTY).getAsInt());
    assertEquals(24, f.u32(Wire.F_ROWS).getAsInt());
  }

  @Test
  void decodesContainerStatuses() {
    Fields ok = Fields.builder()
        .group(Wire.F_CONTAINER_STATUS, status("web", Wire.STATE_RUNNING, 12, 0, 0))
        .group(Wire.F_CONTAINER_STATUS, status("job", Wire.STATE_EXITED, 0, 3, 0))
        .group(Wire.F_CONTAINER_STATUS, status("flaky", Wire.STATE_WAITING, 0, 137, 2))
        .build();

    List<ContainerStatus> statuses = GuestMessages.containerStatuses(ok, serial -> "id-of-" + serial);

    assertEquals(List.of(
        new ContainerStatus("web", ContainerState.RUNNING, 12, OptionalInt.empty(), 0, "id-of-img0"),
        new ContainerStatus("job", ContainerState.EXITED, 0, OptionalInt.of(3), 0, "id-of-img0"),
        new ContainerStatus("flaky", ContainerState.WAITING, 0, OptionalInt.of(137), 2, "id-of-img0")), statuses);
  }

  private static Fields status(String name, int state, int pid, int exitCode, int restarts) {
    return Fields.builder().str(Wire.F_CONTAINER, name).u32(Wire.F_STATE, state).u32(Wire.F_PID, pid)
        .u32(Wire.F_EXIT_CODE, exitCode).u32(Wire.F_SIGNAL, 0).u32(Wire.F_RESTARTS, restarts)
        .str(Wire.F_IMAGE, "img0").build();
  }
}
