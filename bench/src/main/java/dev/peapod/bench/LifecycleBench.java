package dev.peapod.bench;

import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.ImageRootfs;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.PodStatus;
import dev.peapod.provider.VmInfo;
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
 *
 * <p>Each figure is measured twice in the same run, alternating: VMs booted cold
 * (PEAPOD_TEMPLATES=off) and VMs restored from a template VM ({@code template_}
 * prefix; the template is made during the warm-up).
 */
public final class LifecycleBench {

  public static void main(String[] args) throws Exception {
    Path image = Path.of(args[0]);
    Path poweroffInitrd = Path.of(args[1]);
    int runs = Integer.parseInt(args[2]);
    QemuConfig base = QemuConfig.fromEnvironment().withWarmPool(dev.peapod.provider.qemu.WarmPoolConfig.OFF); // templates vs cold boots
    ImageRootfs rootfs = new ImageRootfs("busybox", image);

    Path coldState = Files.createTempDirectory("peapod-bench-cold-");
    Path templateState = Files.createTempDirectory("peapod-bench-tmpl-");
    Series cold = new Series("", false);
    Series restored = new Series("template_", true);
    String accel;
    // Warm-up: JVM, page cache, and the template VM for this shape (made by a builder process).
    try (QemuProvider warm = new QemuProvider(base.withStateDir(templateState).withTemplates(true))) {
      run(warm, "warm", rootfs, null);
      if (!warm.awaitTemplates(Duration.ofMinutes(2))) {
        throw new IllegalStateException("the template VM was not made within 2 minutes");
      }
    }
    try (QemuProvider coldBoot = new QemuProvider(base.withStateDir(coldState).withTemplates(false));
        QemuProvider fromTemplate = new QemuProvider(base.withStateDir(templateState).withTemplates(true))) {
      accel = run(coldBoot, "warm", rootfs, null);
      // Cold and restored starts alternate, so both see the same load from whatever else runs.
      for (int i = 0; i < runs; i++) {
        run(coldBoot, "cold-" + i, rootfs, cold);
        run(fromTemplate, "tmpl-" + i, rootfs, restored);
      }
    }
    Stats bare = new Stats("bare_boot_launch_to_poweroff", "ms");
    String accelArg = "kvm".equals(accel) ? "kvm" : "tcg,tb-size=" + base.tbSizeMiB();
    for (int i = 0; i < runs; i++) {
      bare.add(BareBoot.launchToPoweroffMillis(base.kernel(), poweroffInitrd, accelArg));
    }

    System.out.println("accelerator: " + accel);
    System.out.println(bare.line());
    for (Series s : List.of(cold, restored)) {
      System.out.println(s.ready.line());
      System.out.println(s.start.line());
      System.out.println(s.replace.line());
    }
    System.out.printf(java.util.Locale.ROOT, "ready_over_bare_boot: %.2f ratio%n",
        cold.ready.median() / bare.median());
    System.out.printf(java.util.Locale.ROOT, "template_ready_over_cold_ready: %.2f ratio%n",
        restored.ready.median() / cold.ready.median());
    System.out.printf(java.util.Locale.ROOT, "template_start_over_cold_start: %.2f ratio%n",
        restored.start.median() / cold.start.median());
    System.out.printf(java.util.Locale.ROOT, "replace_over_start: %.2f ratio%n",
        cold.replace.median() / cold.start.median());
  }

  /** The three figures of one boot path; names prefixed with {@code prefix}. */
  private static final class Series {
    final Stats ready;
    final Stats start;
    final Stats replace;
    final boolean restored;

    Series(String prefix, boolean restored) {
      this.restored = restored;
      ready = new Stats(prefix + "qemu_launch_to_guest_ready", "ms");
      start = new Stats(prefix + "provider_start_to_process_running", "ms");
      replace = new Stats(prefix + "provider_replace_in_running_vm", "ms");
    }
  }

  /**
   * Creates, starts, replaces and removes one pod; adds its figures to {@code into} (null: a
   * warm-up) and returns the accelerator. A restored start must say so in {@code VmInfo.boot}.
   */
  private static String run(QemuProvider provider, String name, ImageRootfs rootfs, Series into) {
    provider.create(PodSpec.of("bench-" + name,
            List.of(ContainerSpec.of("main", rootfs, List.of("sleep", "3600"))))
        .withTerminationGracePeriod(Duration.ZERO));
    long t0 = System.nanoTime();
    PodStatus started = provider.start("bench-" + name);
    long t1 = System.nanoTime();
    PodSpec next = started.spec().withContainers(
        List.of(ContainerSpec.of("next", rootfs, List.of("sleep", "7200"))));
    long t2 = System.nanoTime();
    PodStatus replaced = provider.replace("bench-" + name, next);
    long t3 = System.nanoTime();
    VmInfo vm = started.vm().orElseThrow();
    String bootAfter = replaced.vm().orElseThrow().bootId();
    if (!vm.bootId().equals(bootAfter)) {
      throw new IllegalStateException("replace changed the boot id: " + vm.bootId() + " -> " + bootAfter);
    }
    provider.remove("bench-" + name, Duration.ZERO);
    if (into != null) {
      if (into.restored != vm.boot().startsWith("restored")) {
        throw new IllegalStateException(name + ": expected " + (into.restored ? "a restored VM" : "a cold boot")
            + ", got " + vm.boot());
      }
      into.ready.add(vm.bootTime().toNanos() / 1e6);
      into.start.add((t1 - t0) / 1e6);
      into.replace.add((t3 - t2) / 1e6);
    }
    System.err.println(name + ": " + vm.boot() + ", ready " + vm.bootTime().toMillis() + " ms, start "
        + (t1 - t0) / 1_000_000 + " ms, replace " + (t3 - t2) / 1_000_000 + " ms");
    return vm.accelerator();
  }
}
