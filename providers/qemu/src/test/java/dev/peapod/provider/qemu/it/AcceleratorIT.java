package dev.peapod.provider.qemu.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.PodState;
import dev.peapod.provider.PodStatus;
import dev.peapod.provider.qemu.QemuConfig;
import dev.peapod.provider.qemu.QemuProvider;
import dev.peapod.provider.qemu.runtime.JsonFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs the real accelerator probe (its cache removed first, no override) and
 * proves that the accelerator it chose boots a pod.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class AcceleratorIT {

  private static final Path STATE = VmTestSupport.TARGET.resolve("it-accel");

  @Test
  void theProbedAcceleratorBootsAPod() throws Exception {
    QemuConfig config = VmTestSupport.config().withStateDir(STATE).withAccelerator(Optional.empty());
    Files.deleteIfExists(STATE.resolve("accelerator.json"));
    var image = BusyboxImages.build(VmTestSupport.IMAGES, "busybox-a", Map.of("www/index.html", "hello from web\n"));
    QemuProvider provider = new QemuProvider(config);
    try {
      if (provider.inspect("accel").isPresent()) {
        provider.remove("accel", Duration.ZERO);
      }
      provider.create(PodSpec.of("accel", List.of(ContainerSpec.of("app", image, List.of("sleep", "1000")))));
      long t0 = System.nanoTime();
      PodStatus status = provider.start("accel");
      System.out.printf("[timing] first start incl. accelerator probe: %d ms, chose %s%n",
          (System.nanoTime() - t0) / 1_000_000, status.vm().orElseThrow().accelerator());

      assertEquals(PodState.RUNNING, status.state());
      String chosen = status.vm().orElseThrow().accelerator();
      assertTrue(chosen.equals("kvm") || chosen.equals("tcg"), chosen);
      assertEquals(chosen, JsonFiles.MAPPER.readTree(STATE.resolve("accelerator.json").toFile())
          .path("accelerator").asText().toLowerCase());
      assertEquals("ok\n", VmTestSupport.exec(provider, "accel", "app", "echo", "ok").stdout());
    } finally {
      if (provider.inspect("accel").isPresent()) {
        provider.remove("accel", Duration.ZERO);
      }
      provider.close();
    }
  }
}
