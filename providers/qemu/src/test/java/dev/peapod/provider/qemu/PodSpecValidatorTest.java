package dev.peapod.provider.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.ImageRootfs;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.PortForward;
import dev.peapod.provider.ProviderException;
import dev.peapod.provider.VolumeMount;
import dev.peapod.provider.VolumeSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PodSpecValidatorTest {

  @TempDir Path tmp;
  private Path kernel;
  private Path initrd;
  private ImageRootfs image;

  @BeforeEach
  void files() throws Exception {
    kernel = Files.writeString(tmp.resolve("bzImage"), "k");
    initrd = Files.writeString(tmp.resolve("initrd"), "i");
    image = new ImageRootfs("sha256:a", Files.writeString(tmp.resolve("a.erofs"), "img"));
  }

  private ProviderException invalid(PodSpec spec) {
    return assertThrows(ProviderException.class, () -> PodSpecValidator.validate(spec, kernel, initrd));
  }

  private PodSpec pod(ContainerSpec... containers) {
    return PodSpec.of("web", List.of(containers));
  }

  @Test
  void acceptsAPlainPod() {
    PodSpecValidator.validate(pod(ContainerSpec.of("app", image, List.of("true"))), kernel, initrd);
  }

  @Test
  void namesTheContainerWithTheProblem() {
    ProviderException e = invalid(pod(ContainerSpec.of("app", image, List.of("true")),
        ContainerSpec.of("db", new ImageRootfs("x", tmp.resolve("nope.erofs")), List.of("true"))));
    assertEquals("pod \"web\", container \"db\": image file " + tmp.resolve("nope.erofs") + " does not exist",
        e.getMessage());
    assertEquals(Optional.of("db"), e.container());
  }

  @Test
  void rejectsBadNamesAndReferences() {
    assertEquals(Optional.empty(), invalid(PodSpec.of("Web", List.of())).container());
    invalid(pod(ContainerSpec.of("a_b", image, List.of("true"))));
    invalid(pod(ContainerSpec.of("app", image, List.of("true")), ContainerSpec.of("app", image, List.of("true"))));
    invalid(pod(ContainerSpec.of("app", image, List.of())));
    invalid(pod(ContainerSpec.of("app", image, List.of("true")).withMounts(List.of(VolumeMount.of("nope", "/x")))));
    invalid(pod(ContainerSpec.of("app", image, List.of("true")).withWorkingDir("relative")));
    invalid(pod(ContainerSpec.of("app", image, List.of("true"))).withHostname("bad host"));
    invalid(pod(ContainerSpec.of("app", image, List.of("true")))
        .withPorts(List.of(PortForward.tcp(8080, 80), PortForward.tcp(8080, 81))));
  }

  @Test
  void refusesMountPathsOverProcSysDevicesOrWithDotDot() {
    for (String path : List.of("/proc/sys/kernel", "//sys/./", "/dev/", "/dev/pts/0", "/", "/x/../proc/sys/kernel",
        "/data/..")) {
      ProviderException e = invalid(pod(ContainerSpec.of("app", image, List.of("true"))
          .withMounts(List.of(VolumeMount.of("data", path)))).withVolumes(List.of(VolumeSpec.emptyDir("data"))));
      assertEquals(Optional.of("app"), e.container(), e.getMessage());
      assertTrue(e.getMessage().contains("mountPath \"" + path + "\""), e.getMessage());
    }
    assertTrue(invalid(pod(ContainerSpec.of("app", image, List.of("true"))
        .withMounts(List.of(VolumeMount.of("data", "/x/../proc/sys/kernel"))))
        .withVolumes(List.of(VolumeSpec.emptyDir("data")))).getMessage().endsWith("must not contain \"..\""));
    for (String path : List.of("/dev/shm", "/processes", "/data", "/a..b")) {
      PodSpecValidator.validate(pod(ContainerSpec.of("app", image, List.of("true"))
          .withMounts(List.of(VolumeMount.of("data", path)))).withVolumes(List.of(VolumeSpec.emptyDir("data"))),
          kernel, initrd);
    }
  }

  @Test
  void requiresKernelAndInitrd() {
    PodSpec spec = pod(ContainerSpec.of("app", image, List.of("true")));
    ProviderException e = assertThrows(ProviderException.class,
        () -> PodSpecValidator.validate(spec, tmp.resolve("missing"), initrd));
    assertEquals("pod \"web\": kernel " + tmp.resolve("missing") + " does not exist", e.getMessage());
    assertThrows(ProviderException.class, () -> PodSpecValidator.validate(spec, kernel, tmp.resolve("missing")));
  }
}
