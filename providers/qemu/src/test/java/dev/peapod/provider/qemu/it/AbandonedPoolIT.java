package dev.peapod.provider.qemu.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.ImageRootfs;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.qemu.QemuConfig;
import dev.peapod.provider.qemu.QemuProvider;
import dev.peapod.provider.qemu.WarmPoolConfig;
import dev.peapod.provider.qemu.runtime.VmUsers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * A pool VM whose state directory (PEAPOD_HOME) was deleted while it waited with no keeper (its keeper a thread of a
 * process that ended, as in {@code peapod serve} or a test) ran on for good: nothing finds a VM but from a state
 * directory (session 11: the lead's machine collected them). The next start of anything, in any state directory,
 * stops it: its run directory's {@code launched-in} names the pool directory it was restored in.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class AbandonedPoolIT {

  private static final Path GONE = VmTestSupport.TARGET.resolve("it-abandoned-home");
  private static final Path OTHER = VmTestSupport.TARGET.resolve("it-abandoned-other");
  private static final ObjectMapper JSON = new ObjectMapper();

  @AfterAll
  void tearDown() throws Exception {
    for (Path state : List.of(GONE, OTHER)) {
      String marker = state + "/";
      ProcessHandle.allProcesses().filter(p -> p.pid() != ProcessHandle.current().pid())
          .filter(p -> p.info().commandLine().map(c -> c.contains(marker)).orElse(false))
          .forEach(ProcessHandle::destroyForcibly);
      VmTestSupport.deleteTree(state);
    }
  }

  @Test
  void aPoolVmWhoseStateDirectoryWasDeletedIsStoppedByTheNextStart() throws Exception {
    VmTestSupport.deleteTree(GONE);
    VmTestSupport.deleteTree(OTHER);
    ImageRootfs image = BusyboxImages.build(VmTestSupport.IMAGES, "busybox-abandoned", Map.of());
    QemuConfig config = VmTestSupport.config().withStateDir(GONE).withTemplates(true)
        .withWarmPool(new WarmPoolConfig(1, 1024, Duration.ofMinutes(5)));
    JsonNode waiting;
    try (QemuProvider provider = new QemuProvider(config)) {
      provider.keepWarmPoolsInThisProcess(); // no keeper process: a thread of this one, as in peapod serve
      try {
        PodSpec pod = PodSpec.of("first", List.of(ContainerSpec.of("c", image, List.of("sleep", "600"))))
            .withTerminationGracePeriod(Duration.ZERO);
        provider.create(pod);
        provider.start("first");
        waiting = awaitWaiting(GONE);
        provider.remove("first", Duration.ZERO);
        provider.awaitTemplates(Duration.ofMinutes(2));
      } finally {
        provider.stopKeepingWarmPools(); // the pool VM waits for the next keeper, which will never come
      }
    }
    long pid = waiting.path("pid").asLong();
    assertTrue(runs(pid), "the pool VM waits");
    Optional<Integer> uid = uidOf(pid);
    assertTrue(uid.isPresent() && VmUsers.fromEnvironment().orElseThrow().owns(uid.get()), "a VM user's QEMU");
    Path runDir = VmUsers.RUN_ROOT.resolve(Integer.toUnsignedString(uid.get()));
    assertTrue(Files.readString(runDir.resolve("launched-in")).startsWith(GONE.resolve("pool") + "/"));

    VmTestSupport.deleteTree(GONE); // rm -rf of the state directory, the VM still running
    Thread.sleep(1000);
    assertTrue(runs(pid), "nothing stops it by itself");

    new QemuProvider(VmTestSupport.config().withStateDir(OTHER)).close(); // the next peapod command, elsewhere
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (runs(pid) && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertFalse(runs(pid), "the pool VM of the deleted state directory still runs");
    assertFalse(Files.exists(runDir), "its uid is freed");
  }

  private static JsonNode awaitWaiting(Path state) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    while (System.nanoTime() < deadline) {
      Path pool = state.resolve("pool");
      if (Files.isDirectory(pool)) {
        try (Stream<Path> files = Files.walk(pool, 3)) {
          for (Path f : files.filter(f -> f.getFileName().toString().equals("pool.json")).toList()) {
            if (!f.getParent().getFileName().toString().startsWith(".")) {
              return JSON.readTree(f.toFile());
            }
          }
        } catch (java.io.UncheckedIOException | java.io.IOException e) {
          // a VM moved meanwhile
        }
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no VM entered the pool of " + state + " within 5 minutes");
  }

  private static boolean runs(long pid) {
    try {
      return Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")).length > 0;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  private static Optional<Integer> uidOf(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith("Uid:")) {
          return Optional.of(Integer.parseUnsignedInt(line.substring(4).trim().split("\\s+")[0]));
        }
      }
    } catch (java.io.IOException e) {
      // gone
    }
    return Optional.empty();
  }
}
