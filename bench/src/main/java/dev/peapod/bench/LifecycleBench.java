package dev.peapod.bench;

import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.ImageRootfs;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.PodStatus;
import dev.peapod.provider.qemu.QemuConfig;
import dev.peapod.provider.qemu.QemuProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Boot, start and replace latency of the QEMU provider, side by side with a
 * bare boot of the same kernel (the floor no provider can go below).
 *
 * <p>Usage: {@code LifecycleBench IMAGE.erofs POWEROFF-INITRD RUNS}
 *
 * <ul>
 *   <li>launch→READY: VMM launch until guest-init answers on the control port,
 *       as the provider records it ({@code VmInfo.bootTime}).
 *   <li>start: the provider's start call for a pod with one busybox container,
 *       until that container's process runs (start returns after the guest
 *       reported it started).
 *   <li>replace: the provider's replace call swapping that container for a new
 *       one in the same VM; the boot id is checked to be unchanged.
 * </ul>
 */
public final class LifecycleBench {

  public static void main(String[] args) throws Exception {
    Path image = Path.of(args[0]);
    Path poweroffInitrd = Path.of(args[1]);
    int runs = Integer.parseInt(args[2]);
    Path state = Files.createTempDirectory("peapod-bench-");
    QemuConfig config = QemuConfig.fromEnvironment().withStateDir(state);

    Stats bare = new Stats("bare_boot_launch_to_poweroff", "ms");
    Stats ready = new Stats("qemu_launch_to_guest_ready", "ms");
    Stats start = new Stats("provider_start_to_process_running", "ms");
    Stats replace = new Stats("provider_replace_in_running_vm", "ms");
    String accel;

    ImageRootfs rootfs = new ImageRootfs("busybox", image);
    try (QemuProvider provider = new QemuProvider(config)) {
      accel = null;
      for (int i = -1; i < runs; i++) { // run -1 warms up the JVM and page cache
        String name = "bench-" + (i + 1);
        provider.create(PodSpec.of(name,
                List.of(ContainerSpec.of("main", rootfs, List.of("sleep", "3600"))))
            .withTerminationGracePeriod(Duration.ZERO));
        long t0 = System.nanoTime();
        PodStatus started = provider.start(name);
        long t1 = System.nanoTime();
        PodSpec next = started.spec().withContainers(
            List.of(ContainerSpec.of("next", rootfs, List.of("sleep", "7200"))));
        long t2 = System.nanoTime();
        PodStatus replaced = provider.replace(name, next);
        long t3 = System.nanoTime();
        String bootBefore = started.vm().orElseThrow().bootId();
        String bootAfter = replaced.vm().orElseThrow().bootId();
        if (!bootBefore.equals(bootAfter)) {
          throw new IllegalStateException("replace changed the boot id: " + bootBefore + " -> " + bootAfter);
        }
        accel = started.vm().orElseThrow().accelerator();
        provider.remove(name, Duration.ZERO);
        if (i >= 0) {
          ready.add(started.vm().orElseThrow().bootTime().toNanos() / 1e6);
          start.add((t1 - t0) / 1e6);
          replace.add((t3 - t2) / 1e6);
        }
      }
    }
    String accelArg = "kvm".equals(accel) ? "kvm" : "tcg,tb-size=" + config.tbSizeMiB();
    for (int i = 0; i < runs; i++) {
      bare.add(BareBoot.launchToPoweroffMillis(config.kernel(), poweroffInitrd, accelArg));
    }

    System.out.println("accelerator: " + accel);
    System.out.println(bare.line());
    System.out.println(ready.line());
    System.out.println(start.line());
    System.out.println(replace.line());
    System.out.printf(java.util.Locale.ROOT, "ready_over_bare_boot: %.2f ratio%n",
        ready.median() / bare.median());
    System.out.printf(java.util.Locale.ROOT, "replace_over_start: %.2f ratio%n",
        replace.median() / start.median());
  }
}
