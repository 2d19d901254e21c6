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
  private static final Path HIDDEN = VmTestSupport.TARGET.resolve("it-ab-ns");
  private static final ObjectMapper JSON = new ObjectMapper();

  @AfterAll
  void tearDown() throws Exception {
    for (Path state : List.of(GONE, OTHER, HIDDEN)) {
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

    // rm -rf of the state directory, the VM still running. Any VM start on this host from here on may stop it
    // (other tests' too): this one's is the one that must.
    VmTestSupport.deleteTree(GONE);

    VmUsers users = VmUsers.fromEnvironment().orElseThrow(); // the next start of a VM, elsewhere
    Files.createDirectories(OTHER);
    users.free(users.allocate(OTHER.resolve("next")));
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (runs(pid) && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertFalse(runs(pid), "the pool VM of the deleted state directory still runs");
    assertFalse(Files.exists(runDir), "its uid is freed");
  }

  /**
   * A sweep run where the home cannot be seen (systemd's PrivateTmp=/ProtectHome=, {@code unshare -m}: here a tmpfs
   * over the home's parent in the sweeper's own mount namespace) stops nothing: neither the pool VM that waits in it
   * nor the VM a pod took from it (whose {@code launched-in} still names the pool). Before, both were killed.
   */
  @Test
  void aSweepThatCannotSeeTheHomeStopsNeitherItsPoolVmNorAPodThatTookOne() throws Exception {
    VmTestSupport.deleteTree(HIDDEN);
    Path home = HIDDEN.resolve("h");
    ImageRootfs image = BusyboxImages.build(VmTestSupport.IMAGES, "busybox-abandoned", Map.of());
    QemuConfig config = VmTestSupport.config().withStateDir(home).withTemplates(true)
        .withWarmPool(new WarmPoolConfig(1, 1024, Duration.ofMinutes(5)));
    try (QemuProvider provider = new QemuProvider(config)) {
      provider.keepWarmPoolsInThisProcess();
      try {
        PodSpec first = PodSpec.of("first", List.of(ContainerSpec.of("c", image, List.of("sleep", "600"))))
            .withTerminationGracePeriod(Duration.ZERO);
        provider.create(first);
        provider.start("first");
        awaitWaiting(home);
        PodSpec taker = PodSpec.of("taker", List.of(ContainerSpec.of("c", image, List.of("sleep", "600"))))
            .withTerminationGracePeriod(Duration.ZERO);
        provider.create(taker);
        provider.start("taker"); // takes the waiting VM
        awaitWaiting(home); // and the keeper restores the next one
        provider.awaitTemplates(Duration.ofMinutes(2));
        Map<Integer, List<Long>> vms = poolVmsOf(home);
        assertTrue(vms.size() >= 2, "a waiting pool VM and a taken one: " + vms);
        List<Long> pids = vms.values().stream().flatMap(List::stream).toList();

        Path mainClass = Path.of(SweepMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Process sweep = new ProcessBuilder("unshare", "-m", "--propagation", "private", "sh", "-c",
            "mount -t tmpfs hidden \"$1\" && exec \"$2\" -cp \"$3\" \"$4\"", "sh",
            HIDDEN.toString(), Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            System.getProperty("java.class.path") + ":" + mainClass, SweepMain.class.getName())
            .redirectErrorStream(true).start();
        String out = new String(sweep.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, sweep.waitFor(), out);
        assertTrue(out.contains("home seen: false"), "the sweeper cannot see the home: " + out);
        assertTrue(out.contains("stopped: []"), out);
        Thread.sleep(500);
        for (long pid : pids) {
          assertTrue(runs(pid), "VM process " + pid + " was killed by a sweep that could not see its home: " + out);
        }
        assertTrue(provider.inspect("taker").isPresent(), "the pod that took a pool VM is still there");
      } finally {
        provider.stopKeepingWarmPools();
        for (String pod : List.of("first", "taker")) {
          try {
            provider.remove(pod, Duration.ZERO);
          } catch (RuntimeException e) {
            // not made
          }
        }
      }
    }
  }

  /** The sweep, in a process of its own: run by the test inside a mount namespace that hides the home. */
  public static final class SweepMain {
    public static void main(String[] args) {
      System.out.println("home seen: " + Files.exists(HIDDEN.resolve("h")));
      System.out.println("stopped: " + VmUsers.fromEnvironment().orElseThrow().stopAbandonedPoolVms());
    }
  }

  /** The live processes of each VM user whose {@code launched-in} names a pool directory of {@code home}. */
  private static Map<Integer, List<Long>> poolVmsOf(Path home) throws Exception {
    Map<Integer, List<Long>> found = new java.util.TreeMap<>();
    try (Stream<Path> dirs = Files.list(VmUsers.RUN_ROOT)) {
      for (Path dir : dirs.toList()) {
        try {
          if (Files.readString(dir.resolve("launched-in")).startsWith(home.resolve("pool") + "/")) {
            found.put(Integer.parseUnsignedInt(dir.getFileName().toString()), new java.util.ArrayList<>());
          }
        } catch (java.io.IOException | NumberFormatException e) {
          // not a VM user's
        }
      }
    }
    ProcessHandle.allProcesses().forEach(p -> uidOf(p.pid()).map(found::get).ifPresent(l -> l.add(p.pid())));
    found.values().removeIf(List::isEmpty);
    return found;
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
