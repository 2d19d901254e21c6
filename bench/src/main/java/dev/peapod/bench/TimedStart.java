package dev.peapod.bench;

import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.ImageRootfs;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.PodStatus;
import dev.peapod.provider.VmInfo;
import dev.peapod.provider.qemu.QemuProvider;
import java.time.Duration;
import java.util.List;

/**
 * One sample of a pod's start as the provider-cost benches take it ({@link SandboxCostBench},
 * {@link VmUserCostBench}): a pod created, started and removed; "ready" is the VM's own boot time
 * (launch to guest-init's READY), "start" the wall time of {@code provider.start}.
 */
final class TimedStart {
  private TimedStart() {}

  /** {@link #run(QemuProvider, PodSpec, Stats, Stats, boolean)} of a one-container pod sleeping in {@code rootfs}. */
  static boolean run(QemuProvider provider, String pod, ImageRootfs rootfs, Stats ready, Stats start,
      boolean restore) {
    return run(provider, PodSpec.of(pod, List.of(ContainerSpec.of("main", rootfs, List.of("sleep", "3600")))),
        ready, start, restore);
  }

  /**
   * Creates, starts and removes the pod of {@code spec}, adding its figures to {@code ready} and
   * {@code start} (null for both: a warm-up, not counted), and says on stderr what it took.
   *
   * @param restore whether the start should restore a template: one that booted cold instead is
   *     no sample of either arm, and is left out
   * @return false when {@code restore} was asked and the VM booted cold (the caller counts these)
   */
  static boolean run(QemuProvider provider, PodSpec spec, Stats ready, Stats start, boolean restore) {
    String pod = spec.name();
    provider.create(spec.withTerminationGracePeriod(Duration.ZERO));
    long t0 = System.nanoTime();
    PodStatus started = provider.start(pod);
    long t1 = System.nanoTime();
    VmInfo vm = started.vm().orElseThrow();
    provider.remove(pod, Duration.ZERO);
    if (ready != null) {
      if (restore && !vm.boot().startsWith("restored")) {
        // A restore that failed boots cold and discards the template (the next cold boot makes it
        // again): not a sample of either arm, but counted and printed.
        System.err.println(pod + ": NOT RESTORED (" + vm.boot() + "), left out");
        return false;
      }
      ready.add(vm.bootTime().toNanos() / 1e6);
      start.add((t1 - t0) / 1e6);
    }
    System.err.println(pod + ": " + vm.boot() + ", ready " + vm.bootTime().toMillis() + " ms, start "
        + (t1 - t0) / 1_000_000 + " ms");
    return true;
  }
}
