package dev.peapod.provider.qemu.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
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
 * Runs the real accelerator probe (its verdict removed first, no override) and proves that the
 * accelerator it chose boots a pod and that the verdict it recorded says which and why: on this
 * host's own /dev/kvm, which works (KVM), does not work (TCG after the probe boot) or is not
 * there (TCG without one), and on a host without KVM, made by pointing the probe at a device
 * path that does not exist.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class AcceleratorIT {

  private static final Path STATE = VmTestSupport.TARGET.resolve("it-accel");

  @Test
  void theProbedAcceleratorBootsAPod() throws Exception {
    QemuConfig config = VmTestSupport.config().withStateDir(STATE).withAccelerator(Optional.empty());
    JsonNode verdict = bootAndReadVerdict(config, "accel");

    String chosen = verdict.path("accelerator").asText().toLowerCase();
    String reason = verdict.path("reason").asText();
    System.out.println("[verdict] " + verdict.path("accelerator").asText() + ": " + reason);
    if (Files.exists(QemuConfig.DEFAULT_KVM_DEVICE)) {
      assertTrue(verdict.path("probed").asBoolean(), verdict::toString);
      assertTrue(chosen.equals("kvm") ? reason.equals("a KVM guest reached READY within 3000 ms")
          : reason.startsWith("a KVM guest did not reach READY within 3000 ms: "), reason);
    } else {
      assertEquals("tcg", chosen);
      assertEquals("no /dev/kvm", reason);
    }
  }

  @Test
  void withoutAKvmDeviceThePodBootsUnderTcgAndTheVerdictSaysWhy() throws Exception {
    Path state = VmTestSupport.TARGET.resolve("it-accel-nokvm");
    Path noDevice = state.resolve("no-such-kvm");
    QemuConfig config = VmTestSupport.config().withStateDir(state).withAccelerator(Optional.empty())
        .withKvmDevice(noDevice).withTemplates(false);
    long t0 = System.nanoTime();
    JsonNode verdict = bootAndReadVerdict(config, "accel-nokvm");

    assertEquals("TCG", verdict.path("accelerator").asText());
    assertEquals("no " + noDevice, verdict.path("reason").asText());
    assertFalse(verdict.path("probed").asBoolean(), "no probe boot without a device: " + verdict);
    assertFalse(Files.exists(state.resolve("probe")), "the probe boot's directory was never made");
    System.out.printf("[timing] first start without a KVM device: %d ms%n", (System.nanoTime() - t0) / 1_000_000);
  }

  /** Starts a pod with a fresh verdict, checks it runs under the chosen accelerator, and returns the verdict file. */
  private static JsonNode bootAndReadVerdict(QemuConfig config, String pod) throws Exception {
    Path verdictFile = config.stateDir().resolve("accelerator.json");
    Files.deleteIfExists(verdictFile);
    var image = BusyboxImages.build(VmTestSupport.IMAGES, "busybox-a", Map.of("www/index.html", "hello from web\n"));
    QemuProvider provider = new QemuProvider(config);
    try {
      if (provider.inspect(pod).isPresent()) {
        provider.remove(pod, Duration.ZERO);
      }
      provider.create(PodSpec.of(pod, List.of(ContainerSpec.of("app", image, List.of("sleep", "1000")))));
      long t0 = System.nanoTime();
      PodStatus status = provider.start(pod);
      String chosen = status.vm().orElseThrow().accelerator();
      System.out.printf("[timing] first start incl. accelerator decision: %d ms, chose %s%n",
          (System.nanoTime() - t0) / 1_000_000, chosen);

      assertEquals(PodState.RUNNING, status.state());
      assertTrue(chosen.equals("kvm") || chosen.equals("tcg"), chosen);
      JsonNode verdict = JsonFiles.MAPPER.readTree(verdictFile.toFile());
      assertEquals(chosen, verdict.path("accelerator").asText().toLowerCase(), verdict::toString);
      assertEquals("ok\n", VmTestSupport.exec(provider, pod, "app", "echo", "ok").stdout());
      return verdict;
    } finally {
      VmTestSupport.cleanUp(provider, pod);
    }
  }
}
