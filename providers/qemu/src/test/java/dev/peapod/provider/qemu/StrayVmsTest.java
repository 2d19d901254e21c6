package dev.peapod.provider.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Strays are found by QEMU command lines: here processes that look like QEMU (python3 run through a
 * link named qemu-fake, with a {@code -pidfile} argument) stand in for VMs.
 */
class StrayVmsTest {

  @TempDir Path home;
  private Process fake;

  @AfterEach
  void stop() throws Exception {
    if (fake != null) {
      fake.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private long launch(Path pidFileDir) throws Exception {
    Path qemu = home.resolve("bin/qemu-fake");
    Files.createDirectories(qemu.getParent());
    if (!Files.exists(qemu)) {
      Files.createSymbolicLink(qemu, Path.of("/usr/bin/python3"));
    }
    fake = new ProcessBuilder(qemu.toString(), "-c", "import time; time.sleep(120)", "-name", "peapod-x",
        "-pidfile", pidFileDir.resolve("qemu.pid").toString()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline
        && !Files.readString(Path.of("/proc", Long.toString(fake.pid()), "cmdline")).contains("-pidfile")) {
      Thread.sleep(20);
    }
    return fake.pid();
  }

  private List<StrayVms.StrayVm> find(Set<Long> recorded) {
    return StrayVms.find(home.resolve("pods"), home.resolve("pool"), recorded).stream()
        .filter(s -> s.pid() == fake.pid()).toList();
  }

  @Test
  void aPodVmWhosePodDirectoryWasDeletedIsAStray() throws Exception {
    Path dir = home.resolve("pods/web");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("pod.json"), "{}");
    long pid = launch(dir);
    assertEquals(List.of(), find(Set.of()), "its pod is there");
    Files.delete(dir.resolve("pod.json"));
    List<StrayVms.StrayVm> strays = find(Set.of());
    assertEquals(1, strays.size());
    assertEquals("web", strays.get(0).pod());
    assertTrue(strays.get(0).describe().contains("QEMU " + pid + " runs the VM of pod \"web\""));
    assertEquals(List.of(), find(Set.of(pid)), "a pod's vm.json names it (handed over)");
  }

  @Test
  void aPoolVmThatLeftThePoolAndThatNoPodRecordsIsAStray() throws Exception {
    Path launched = home.resolve("pool/shape1/.vm7.new");
    Files.createDirectories(launched);
    Files.createDirectories(home.resolve("pods"));
    long pid = launch(launched);
    assertEquals(List.of(), find(Set.of()), "being restored by the keeper");
    Files.move(launched, home.resolve("pool/shape1/vm7"));
    assertEquals(List.of(), find(Set.of()), "waiting in the pool");
    Files.createDirectories(home.resolve("pool/claimed"));
    Files.move(home.resolve("pool/shape1/vm7"), home.resolve("pool/claimed/vm7.4242"));
    assertEquals(List.of(), find(Set.of()), "being taken");
    Files.createDirectories(home.resolve("pods/web"));
    Files.writeString(home.resolve("pods/web/vm.json"), "{\n  \"pid\" : " + pid + ",\n  \"processStartTime\" : 1\n}");
    Files.delete(home.resolve("pool/claimed/vm7.4242"));
    assertEquals(List.of(), find(Set.of(pid)), "taken by pod web");
    assertEquals(List.of(), find(Set.of()), "taken by pod web since the pods were read");
    Files.delete(home.resolve("pods/web/vm.json"));
    Files.delete(home.resolve("pods/web"));
    List<StrayVms.StrayVm> strays = find(Set.of());
    assertEquals(1, strays.size(), "its pod's directory was deleted by hand");
    assertTrue(strays.get(0).describe().contains("QEMU " + pid + " runs a VM taken from the warm pool"),
        strays.get(0).describe());
  }
}
