package dev.peapod.provider.qemu.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.provider.ContainerSecurity;
import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.DnsSettings;
import dev.peapod.provider.HostPath;
import dev.peapod.provider.ImageRootfs;
import dev.peapod.provider.LinuxCapabilities;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.PortForward;
import dev.peapod.provider.RestartPolicy;
import dev.peapod.provider.VmResources;
import dev.peapod.provider.VolumeMount;
import dev.peapod.provider.VolumeSpec;
import dev.peapod.provider.seccomp.SeccompProfile;
import dev.peapod.provider.qemu.HostShare;
import dev.peapod.provider.qemu.ImageDevice;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class PodDirectoryTest {

  @TempDir Path tmp;

  public static PodSpec fullSpec() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("Z", "1");
    env.put("A", "2");
    ContainerSpec web = ContainerSpec.of("web", new ImageRootfs("sha256:ab", Path.of("/img/a.erofs")),
            List.of("httpd", "-f"))
        .withEnv(env).withWorkingDir("/srv").withUser("1000:1000").withRestartPolicy(RestartPolicy.ALWAYS)
        .withMounts(List.of(new VolumeMount("data", "/data", true, "sub")));
    return new PodSpec("web", "web-host", new DnsSettings(List.of("1.1.1.1"), List.of("x.local"), List.of("ndots:2")),
        List.of("10.0.0.1 db"), new VmResources(2, 96, Optional.of(Path.of("/k/bz"))), List.of(web),
        List.of(new VolumeSpec("data", 1024), VolumeSpec.hostPath("src", new HostPath(Path.of("/home/u/src"), HostPath.Type.DIRECTORY_OR_CREATE))),
        List.of(PortForward.tcp(8080, 80)), Duration.ofSeconds(3));
  }

  @Test
  void podRecordsRoundTripEveryField() throws Exception {
    StateDirectory state = new StateDirectory(tmp);
    PodDirectory dir = state.pod("web");
    PodRecord record = new PodRecord(fullSpec(), Instant.parse("2024-01-02T03:04:05.123Z"));

    dir.create(record);

    assertTrue(dir.exists());
    assertEquals(Optional.of(record), dir.readPod());
    assertEquals(List.of("Z", "A"), List.copyOf(dir.readPod().orElseThrow().spec().containers().get(0).env().keySet()));
    assertEquals(List.of("web"), state.pods().stream().map(PodDirectory::name).toList());
  }

  @Test
  void aLocalhostSeccompProfileRoundTripsInThePodRecord() throws Exception {
    SeccompProfile profile = new SeccompProfile("/var/lib/peapod/seccomp/p.json",
        new SeccompProfile.Action(SeccompProfile.Kind.ERRNO, 38), List.of(
            new SeccompProfile.Rule("mkdir", new SeccompProfile.Action(SeccompProfile.Kind.ALLOW, 0), List.of()),
            new SeccompProfile.Rule("socket", new SeccompProfile.Action(SeccompProfile.Kind.ERRNO, 22),
                List.of(new SeccompProfile.Arg(0, SeccompProfile.Op.MASKED_EQ, -1L, 0x1_0000_0010L)))));
    ContainerSecurity security = new ContainerSecurity(LinuxCapabilities.DEFAULT, true,
        ContainerSecurity.Seccomp.LOCALHOST, false, false, List.of(), false, profile);
    PodSpec spec = fullSpec();
    spec = spec.withContainers(List.of(spec.containers().get(0).withSecurity(security)));
    PodDirectory dir = new StateDirectory(tmp).pod("web");
    PodRecord record = new PodRecord(spec, Instant.parse("2024-01-02T03:04:05.123Z"));

    dir.create(record);

    assertEquals(Optional.of(record), dir.readPod());
  }

  @Test
  void aPlanReadsThePodRecordsStartFailureAloneAsTheWholeRecordHasIt() throws Exception {
    PodDirectory dir = new StateDirectory(tmp).pod("web");
    assertEquals(Optional.empty(), dir.readPodStartFailure());
    dir.create(new PodRecord(fullSpec(), Instant.now()));
    assertEquals(Optional.of(""), dir.readPodStartFailure());
    String failure = "start failed: \"init\" exited with 1: {\"startFailure\": \"not this\"}\n\u00e9";
    dir.writePod(dir.readPod().orElseThrow().withStartFailure(failure));
    assertEquals(Optional.of(failure), dir.readPodStartFailure());
    assertEquals(failure, dir.readPod().orElseThrow().startFailure());
    Files.writeString(dir.path().resolve("pod.json"), "[\"not a record\"]");
    org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, dir::readPodStartFailure);
  }

  @Test
  void vmRecordsRoundTripAndCanBeDeleted() throws Exception {
    PodDirectory dir = new StateDirectory(tmp).pod("web");
    dir.create(new PodRecord(fullSpec(), Instant.now()));
    VmRecord vm = new VmRecord(42, 1234, "host-boot", "guest-boot", "tcg", Path.of("/k/bz"),
        VmResources.DEFAULT, List.of(new ImageDevice("img0", "sha256:ab", Path.of("/img/a.erofs"))),
        List.of(PortForward.tcp(8080, 80)), Instant.parse("2024-01-02T03:04:05Z"), Duration.ofMillis(812),
        true, Path.of("/state/pods/web/images"),
        List.of(new HostShare("conf", "peapod.vol.conf", Path.of("/state/pods/web/host-files/conf"), "app.conf",
            Path.of("/etc/app/app.conf"), true)));

    dir.writeVm(vm);
    assertEquals(Optional.of(vm), dir.readVm());
    assertEquals(Optional.of("img0"), vm.serialOf("sha256:ab"));
    assertEquals("sha256:ab", vm.imageIdOf("img0"));
    assertEquals(List.of(PortForward.tcp(9090, 80)), vm.withPorts(List.of(PortForward.tcp(9090, 80))).ports());

    dir.deleteVm();
    assertEquals(Optional.empty(), dir.readVm());
  }

  @Test
  void writesReplaceTheFileWholeAndLeaveNoTemporaries() throws Exception {
    Path file = tmp.resolve("x.json");
    for (int i = 0; i < 20; i++) {
      JsonFiles.write(file, Map.of("n", i, "pad", "x".repeat(i * 100)));
    }
    assertEquals(19, JsonFiles.MAPPER.readTree(file.toFile()).get("n").asInt());
    try (Stream<Path> files = Files.list(tmp)) {
      assertEquals(List.of(file), files.toList());
    }
  }

  @Test
  void aFailedWriteKeepsTheOldContent() throws Exception {
    Path file = tmp.resolve("x.json");
    JsonFiles.write(file, Map.of("n", 1));
    Object unserialisable = new Object(); // Jackson refuses an empty bean
    try {
      JsonFiles.write(file, unserialisable);
    } catch (Exception expected) {
      // the point is what is left on disk
    }
    assertEquals(1, JsonFiles.MAPPER.readTree(file.toFile()).get("n").asInt());
  }

  @Test
  void deleteRemovesEverything() throws Exception {
    PodDirectory dir = new StateDirectory(tmp).pod("web");
    dir.create(new PodRecord(fullSpec(), Instant.now()));
    Files.writeString(dir.path().resolve("console.log"), "boot");
    dir.delete();
    assertFalse(Files.exists(dir.path()));
    assertFalse(dir.exists());
  }
}
