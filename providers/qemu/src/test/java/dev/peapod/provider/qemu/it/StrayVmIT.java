package dev.peapod.provider.qemu.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.ImageRootfs;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.qemu.QemuProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * A running pod's directory deleted by hand: its VM runs on where no command looks (every one
 * starts from the pod directories). The provider finds it by QEMU's command line and names it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class StrayVmIT {

  private static final String[] PODS = {"stray", "kept"};

  private QemuProvider provider;
  private ImageRootfs image;

  @BeforeAll
  void setUp() throws Exception {
    image = BusyboxImages.build(VmTestSupport.IMAGES, "busybox-a", Map.of("www/index.html", "hello\n"));
    provider = VmTestSupport.newProviderWithout(PODS);
  }

  @AfterAll
  void cleanUp() {
    VmTestSupport.cleanUp(provider, PODS);
  }

  @Test
  void aVmWhosePodDirectoryWasDeletedIsFoundAndNamed() throws Exception {
    for (String pod : PODS) {
      provider.create(PodSpec.of(pod, List.of(ContainerSpec.of("app", image, List.of("sleep", "100000")))));
      provider.start(pod);
    }
    assertEquals(List.of(), provider.strays(), "running pods with their directories are no strays");
    Path dir = VmTestSupport.STATE.resolve("pods").resolve("stray");
    long pid = Long.parseLong(Files.readString(dir.resolve("qemu.pid")).trim());

    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
    assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the VM runs on");
    assertTrue(provider.inspect("stray").isEmpty());

    List<String> strays = provider.strays();
    assertEquals(1, strays.size(), strays.toString());
    String expected = "QEMU " + pid + " runs the VM of pod \"stray\", whose directory "
        + dir.toAbsolutePath().normalize() + " was deleted";
    assertTrue(strays.get(0).startsWith(expected), strays.get(0));

    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    ProcessHandle.of(pid).ifPresent(p -> p.onExit().join());
    assertEquals(List.of(), provider.strays());
  }
}
