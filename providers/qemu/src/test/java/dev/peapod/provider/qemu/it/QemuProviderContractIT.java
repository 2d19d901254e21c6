package dev.peapod.provider.qemu.it;

import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.Provider;
import dev.peapod.provider.ProviderContract;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;

/**
 * {@code QemuProvider} keeps the SPI's promises ({@link ProviderContract}) with real VMs: the
 * project's kernel and guest-init under QEMU, a busybox erofs image, one sleeping container.
 */
class QemuProviderContractIT extends ProviderContract {

  @Override
  protected Provider newProvider() {
    return VmTestSupport.newProvider();
  }

  @Override
  protected PodSpec runnableSpec(String name) throws Exception {
    return PodSpec.of(name, List.of(ContainerSpec.of("main",
        BusyboxImages.build(VmTestSupport.IMAGES, "busybox-contract", Map.of()), List.of("sleep", "100000"))))
        .withTerminationGracePeriod(Duration.ZERO);
  }

  @AfterAll
  static void killStrays() {
    VmTestSupport.killStrays("contract-1", "contract-2", "contract-3", "contract-4");
  }
}
