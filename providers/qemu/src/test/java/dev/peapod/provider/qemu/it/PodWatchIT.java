package dev.peapod.provider.qemu.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.provider.ContainerLifecycle;
import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.ContainerStatus;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.Probe;
import dev.peapod.provider.ProbeAction;
import dev.peapod.provider.ProviderEvent;
import dev.peapod.provider.ProviderEvent.Kind;
import dev.peapod.provider.qemu.QemuProvider;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * {@link QemuProvider#watch}: a watcher hears of what it did not do, with real VMs: another
 * client's create, start, stop and remove, and a QEMU killed with SIGKILL (its lifeline closes).
 */
class PodWatchIT {

  private static final String POD = "watched";

  @Test
  void anotherClientsChangesAndAKilledVmAreAnnounced() throws Exception {
    BlockingQueue<ProviderEvent> events = new LinkedBlockingQueue<>();
    try (QemuProvider watcher = VmTestSupport.newProvider();
        AutoCloseable watch = watcher.watch(events::add);
        QemuProvider other = VmTestSupport.newProvider()) {
      PodSpec spec = PodSpec.of(POD, List.of(ContainerSpec.of("main",
          BusyboxImages.build(VmTestSupport.IMAGES, "busybox-watch", Map.of()), List.of("sleep", "100000"))))
          .withTerminationGracePeriod(Duration.ZERO);
      other.create(spec);
      awaitEvent(events, Kind.CHANGED, "create");

      events.clear();
      other.start(POD);
      awaitEvent(events, Kind.CHANGED, "start");
      long pid = other.inspect(POD).orElseThrow().vm().orElseThrow().pid();
      events.clear();

      ProcessHandle.of(pid).orElseThrow().destroyForcibly();
      long killedAt = System.nanoTime();
      ProviderEvent ended = awaitEvent(events, Kind.VM_ENDED, "QEMU killed with SIGKILL");
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
      assertTrue(ms < 1000, "the end of the VM was announced " + ms + " ms after the kill");
      assertEquals(POD, ended.pod());

      events.clear();
      other.start(POD); // a new VM: its lifeline is watched too
      awaitEvent(events, Kind.CHANGED, "restart");
      events.clear();
      other.stop(POD, Duration.ZERO);
      awaitEvent(events, Kind.CHANGED, "stop");
      events.clear();
      other.remove(POD, Duration.ZERO);
      awaitEvent(events, Kind.CHANGED, "remove");
    }
  }

  /**
   * A readiness notice the guest had while no watcher listened is kept for the first that does:
   * a pod whose readiness probe passed before anyone watched is announced once a watch begins
   * (guest-init used to count it as told and drop it).
   */
  @Test
  void aNoticeFromBeforeAnyWatchReachesTheFirstWatcher() throws Exception {
    try (QemuProvider provider = VmTestSupport.newProvider()) {
      Probe passing = new Probe(new ProbeAction.Exec(List.of("true")), Duration.ZERO, Duration.ofSeconds(1),
          Duration.ofSeconds(1), 1, 3, Optional.empty());
      PodSpec spec = PodSpec.of(POD, List.of(ContainerSpec.of("main",
          BusyboxImages.build(VmTestSupport.IMAGES, "busybox-watch", Map.of()), List.of("sleep", "100000"))
          .withLifecycle(new ContainerLifecycle(Optional.empty(), Optional.of(passing), Optional.empty(),
              Optional.empty(), Optional.empty()))))
          .withTerminationGracePeriod(Duration.ZERO);
      provider.create(spec);
      try {
        provider.start(POD);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!provider.inspect(POD).flatMap(p -> p.container("main")).map(ContainerStatus::ready).orElse(false)) {
          assertTrue(System.nanoTime() < deadline, "the readiness probe never passed");
          Thread.sleep(200);
        }
        BlockingQueue<ProviderEvent> events = new LinkedBlockingQueue<>();
        try (AutoCloseable watch = provider.watch(events::add)) {
          awaitEvent(events, Kind.READINESS, "a watch began on a pod that turned ready before it");
        }
      } finally {
        provider.remove(POD, Duration.ZERO);
      }
    }
  }

  @Test
  void closingTheWatchEndsItsThreads() throws Exception {
    try (QemuProvider watcher = VmTestSupport.newProvider()) {
      AutoCloseable watch = watcher.watch(e -> { });
      watch.close();
      watch.close();
      Thread.sleep(200);
      assertTrue(Thread.getAllStackTraces().keySet().stream()
          .noneMatch(t -> t.getName().startsWith("peapod-pod-watch") || t.getName().startsWith("peapod-vm-watch")),
          "no watch thread outlives close()");
    }
  }

  private static ProviderEvent awaitEvent(BlockingQueue<ProviderEvent> events, Kind kind, String after)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    for (ProviderEvent e; (e = events.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) != null; ) {
      if (e.kind() == kind && e.pod().equals(POD)) {
        return e;
      }
    }
    throw new AssertionError("no " + kind + " event for " + POD + " after " + after);
  }

  @AfterAll
  static void killStrays() {
    VmTestSupport.killStrays(POD);
  }
}
