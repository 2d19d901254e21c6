package dev.peapod.provider.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.provider.qemu.runtime.HostInfo;
import dev.peapod.provider.qemu.runtime.HostProcess;
import dev.peapod.provider.qemu.runtime.JsonFiles;
import dev.peapod.provider.qemu.runtime.PoolVmRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Taking a VM from the warm pool, with real processes standing in for pool QEMUs (a process whose
 * command line carries the pool VM's marker): two clients racing for one VM, many times over, and
 * what is never taken. Pool VMs of real QEMU are in WarmPoolIT.
 */
class WarmPoolTest {

  private static final String KEY = "0123456789abcdef";
  private static final String SETTINGS = "vm-users=off template-ram=shared ksm=helpers";

  @TempDir
  Path dir;

  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void tearDown() {
    processes.forEach(Process::destroyForcibly);
  }

  /** A waiting pool VM: a live process with the VM's marker, its directory and pool.json. */
  private PoolVmRecord waitingVm(WarmPool pool, String id) throws Exception {
    return waitingVm(pool, id, SETTINGS);
  }

  private PoolVmRecord waitingVm(WarmPool pool, String id, String settings) throws Exception {
    String name = "pool." + id;
    // "; :" keeps sh from exec'ing sleep, which would drop the marker from the command line.
    Process p = new ProcessBuilder("sh", "-c", "sleep 600; :", "sh", "-name", "peapod-" + name, "end").start();
    processes.add(p);
    long start = HostProcess.startTime(p.pid()).orElseThrow();
    PoolVmRecord record = new PoolVmRecord(name, KEY, 128, p.pid(), start, HostInfo.bootId(), "boot-" + id, false,
        Instant.now(), Duration.ofMillis(100), settings);
    Path vm = Files.createDirectories(pool.shapeDir(KEY).resolve(id));
    JsonFiles.write(vm.resolve(PoolVmRecord.FILE), record);
    return record;
  }

  @Test
  void twoClientsRacingForOneVmNeverBothGetIt() throws Exception {
    // Two pool instances are two clients: the only thing they share is the directory, as two processes do.
    WarmPool one = new WarmPool(dir.resolve("pool"), WarmPoolConfig.DEFAULT);
    WarmPool two = new WarmPool(dir.resolve("pool"), WarmPoolConfig.DEFAULT);
    ExecutorService threads = Executors.newFixedThreadPool(8);
    try {
      for (int round = 0; round < 30; round++) {
        PoolVmRecord only = waitingVm(one, String.format("%08x", round));
        CyclicBarrier start = new CyclicBarrier(8);
        List<Future<Optional<WarmPool.Taken>>> takes = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
          WarmPool client = t % 2 == 0 ? one : two;
          takes.add(threads.submit(() -> {
            start.await();
            return client.take(KEY, SETTINGS);
          }));
        }
        List<WarmPool.Taken> winners = new ArrayList<>();
        for (Future<Optional<WarmPool.Taken>> f : takes) {
          f.get().ifPresent(winners::add);
        }
        assertEquals(1, winners.size(), "round " + round + ": exactly one client takes the VM: " + winners);
        assertEquals(only, winners.get(0).record());
        assertTrue(Files.isDirectory(winners.get(0).files().dir()), "the winner has its files");
        assertEquals(List.of(), WarmPool.waiting(one.shapeDir(KEY)), "nothing is left to take");
      }
    } finally {
      threads.shutdownNow();
    }
  }

  /**
   * A keeper started with other settings than the taker's (PEAPOD_TEMPLATE_RAM=copy, VM users off, ...) restored its
   * VMs as those settings say: a taker gets only a VM restored under its own, and leaves the other waiting.
   */
  @Test
  void aVmRestoredUnderOtherSettingsIsLeftWaitingForATakerOfItsOwn() throws Exception {
    WarmPool pool = new WarmPool(dir.resolve("pool"), WarmPoolConfig.DEFAULT);
    String copy = "vm-users=2000000000-2000999999 template-ram=copy ksm=helpers";
    PoolVmRecord other = waitingVm(pool, "00000001", copy);
    PoolVmRecord older = waitingVm(pool, "00000002", null); // a keeper from before restore settings were recorded
    assertEquals(Optional.empty(), pool.take(KEY, SETTINGS));
    assertEquals(2, WarmPool.waiting(pool.shapeDir(KEY)).size(), "both still wait");
    assertEquals(Optional.of(other), pool.take(KEY, copy).map(WarmPool.Taken::record), "a taker of its settings gets it");
    PoolVmRecord own = waitingVm(pool, "00000003");
    assertEquals(Optional.of(own), pool.take(KEY, SETTINGS).map(WarmPool.Taken::record));
    assertEquals(List.of(pool.shapeDir(KEY).resolve("00000002")), WarmPool.waiting(pool.shapeDir(KEY)), older.toString());
  }

  /**
   * A VM's QEMU lives in its keeper's cgroup and namespaces: a process in another network namespace (here a real
   * one, {@code unshare --net}) or another cgroup has other restore settings, so a command run in a CI job's
   * memory-limited cgroup, or under {@code unshare --net}, does not take a VM kept from outside them.
   */
  @Test
  void restoreSettingsTellAnotherCgroupOrNetworkNamespaceApart() throws Exception {
    String own = WarmPool.confinement(Path.of("/proc/self"));
    assertEquals(own, WarmPool.confinement(Path.of("/proc/self")), "stable");
    assertTrue(WarmPool.restoreSettings(Optional.empty()).endsWith(" confinement=" + own));
    Process elsewhere = new ProcessBuilder("unshare", "--net", "sleep", "30").start();
    try {
      Path proc = Path.of("/proc", Long.toString(elsewhere.pid()));
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (Files.readSymbolicLink(proc.resolve("ns/net")).equals(Files.readSymbolicLink(Path.of("/proc/self/ns/net")))
          && System.nanoTime() < deadline) {
        Thread.sleep(10); // until unshare has exec'ed sleep in its namespace
      }
      assertNotEquals(own, WarmPool.confinement(proc), "another network namespace");
    } finally {
      elsewhere.destroyForcibly().waitFor();
    }
    Path fake = Files.createDirectories(dir.resolve("proc"));
    Files.createDirectories(fake.resolve("ns"));
    for (String ns : List.of("cgroup", "ipc", "mnt", "net", "pid", "user", "uts")) {
      Files.createSymbolicLink(fake.resolve("ns").resolve(ns), Files.readSymbolicLink(Path.of("/proc/self/ns").resolve(ns)));
    }
    Files.writeString(fake.resolve("cgroup"), Files.readString(Path.of("/proc/self/cgroup")));
    assertEquals(own, WarmPool.confinement(fake), "the same facts, the same digest");
    Files.writeString(fake.resolve("cgroup"), "0::/ci/job-1234\n");
    assertNotEquals(own, WarmPool.confinement(fake), "another cgroup");
  }

  @Test
  void aVmWhoseProcessIsGoneOrOfAnotherTemplateIsNotTaken() throws Exception {
    WarmPool pool = new WarmPool(dir.resolve("pool"), WarmPoolConfig.DEFAULT);
    PoolVmRecord dead = waitingVm(pool, "00000001");
    processes.get(0).destroyForcibly().waitFor();
    Path other = Files.createDirectories(pool.shapeDir(KEY).resolve("00000002"));
    PoolVmRecord live = waitingVm(pool, "00000003");
    JsonFiles.write(other.resolve(PoolVmRecord.FILE), new PoolVmRecord("pool.00000002", "fedcba9876543210", 128,
        live.pid(), live.processStartTime(), HostInfo.bootId(), "b", false, Instant.now(), Duration.ZERO, SETTINGS));
    Optional<WarmPool.Taken> taken = pool.take(KEY, SETTINGS);
    assertEquals(Optional.of(live), taken.map(WarmPool.Taken::record), "the live VM of this template");
    assertFalse(Files.exists(pool.shapeDir(KEY).resolve("00000001")), "the dead one is deleted: " + dead);
    assertFalse(Files.exists(pool.shapeDir(KEY).resolve("00000002")), "the other template's is discarded");
    assertEquals(Optional.empty(), pool.take(KEY, SETTINGS));
  }

  @Test
  void aVmBeingRestoredIsNeverTaken() throws Exception {
    WarmPool pool = new WarmPool(dir.resolve("pool"), WarmPoolConfig.DEFAULT);
    PoolVmRecord vm = waitingVm(pool, "0000000a");
    Files.move(pool.shapeDir(KEY).resolve("0000000a"), pool.shapeDir(KEY).resolve(".0000000a.new"));
    assertEquals(Optional.empty(), pool.take(KEY, SETTINGS), "a .new VM has not answered RESTORED yet: " + vm);
  }

  /** The warm-up container's program is a real static executable that exits 0 (run here on the host). */
  @Test
  void theWarmUpProgramExitsAtOnce() throws Exception {
    Path program = dir.resolve("exit");
    Files.write(program, PoolWarmUp.EXIT_PROGRAM);
    Files.setPosixFilePermissions(program, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    Process run = new ProcessBuilder(program.toString()).redirectErrorStream(true).start();
    assertTrue(run.waitFor(10, java.util.concurrent.TimeUnit.SECONDS));
    assertEquals(0, run.exitValue(), new String(run.getInputStream().readAllBytes()));
    assertEquals(129, PoolWarmUp.EXIT_PROGRAM.length);
    Path image = PoolWarmUp.image(dir.resolve("pool"));
    assertTrue(Files.size(image) > 0, "mkfs.erofs made the warm-up image");
    assertEquals(image, PoolWarmUp.image(dir.resolve("pool")), "made once");
  }

  @Test
  void aKeeperRequestSurvivesItsCommandLine() {
    TemplateBuilder.Request template = new TemplateBuilder.Request(dir.resolve("templates"), KEY, "qemu", 32,
        java.util.OptionalLong.of(2596150), Duration.ofSeconds(60),
        new VmShape(dir.resolve("vmlinux"), dir.resolve("initrd"), 1, 128, Accelerator.TCG));
    WarmPoolKeeper.Request request = new WarmPoolKeeper.Request(template, dir.resolve("pool"),
        new WarmPoolConfig(2, 512, Duration.ofSeconds(90)));
    assertEquals(request, WarmPoolKeeper.Request.parse(request.toArgs().toArray(String[]::new)));
  }
}
