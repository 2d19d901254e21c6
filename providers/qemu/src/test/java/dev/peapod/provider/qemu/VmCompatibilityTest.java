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
  private static final VmRecord VM = new VmRecord(1, 1, "h", "g", "tcg", KERNEL, SPEC.vm(),
      ImageDevices.assign(SPEC), SPEC.ports(), Instant.EPOCH, Duration.ZERO);

  private static Optional<String> reason(PodSpec spec) {
    return VmCompatibility.recreateReason(VM, spec, KERNEL);
  }

  @Test
  void containerChangesOnImagesTheVmHasNeedNoNewVm() {
    assertEquals(Optional.empty(), reason(SPEC.withContainers(List.of(
        ContainerSpec.of("other", A, List.of("sleep", "1")), ContainerSpec.of("more", A, List.of("true"))))));
  }

  @Test
  void vmLevelChangesDo() {
    assertTrue(reason(SPEC.withVm(new VmResources(2, 128, Optional.empty()))).orElseThrow().contains("vcpus"));
    assertTrue(reason(SPEC.withVm(new VmResources(1, 256, Optional.empty()))).orElseThrow().contains("memory"));
    assertTrue(reason(SPEC.withPorts(List.of())).orElseThrow().contains("port forwards"));
    assertEquals("image sha256:b of container \"app\" is not attached to the running VM",
        reason(SPEC.withContainers(List.of(ContainerSpec.of("app", B, List.of("true"))))).orElseThrow());
    assertTrue(VmCompatibility.recreateReason(VM, SPEC, Path.of("/other")).orElseThrow().contains("kernel"));
  }

  @Test
  void imagesGetOneDeviceEachInOrderOfFirstUse() {
    PodSpec spec = SPEC.withContainers(List.of(ContainerSpec.of("x", B, List.of("true")),
        ContainerSpec.of("y", A, List.of("true")), ContainerSpec.of("z", B, List.of("true"))));
    assertEquals(List.of(new ImageDevice("img0", "sha256:b", B.path()), new ImageDevice("img1", "sha256:a", A.path())),
        ImageDevices.assign(spec));
  }
}
