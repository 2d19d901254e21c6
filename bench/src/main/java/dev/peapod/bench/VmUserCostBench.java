package dev.peapod.bench;

import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.ImageRootfs;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.qemu.QemuConfig;
import dev.peapod.provider.qemu.QemuProvider;
import dev.peapod.provider.qemu.WarmPoolConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Starts with QEMU as a VM user against the same starts with QEMU as root, in one run: two
 * providers alternate, each with its own state directory and template. Three arms: restores from
 * the template, cold boots, and cold boots of a pod with a hostPath volume (a VM user's QEMU then
 * starts through peapod-vm-mounts: a mount namespace, an idmapped mount, a seccomp filter). No warm
 * pool.
 *
 * <p>Usage: {@code VmUserCostBench IMAGE.erofs RUNS}
 */
public final class VmUserCostBench {

  private static int fellBack;
  /** The hostPath volume the pods of the current arm share, or null. */
  private static Path hostPath;

  public static void main(String[] args) throws Exception {
    ImageRootfs rootfs = new ImageRootfs("busybox", Path.of(args[0]));
    int runs = Integer.parseInt(args[1]);
    QemuConfig base = QemuConfig.fromEnvironment();
    QemuConfig users = noPool(base).withStateDir(Files.createTempDirectory("peapod-bench-vmu-on-")).withTemplates(true);
    QemuConfig root = noPool(base).withStateDir(Files.createTempDirectory("peapod-bench-vmu-off-")).withTemplates(true);
    Path tree = Files.createTempDirectory("peapod-bench-vmu-tree-");
    for (String arm : List.of("template", "cold", "hostpath")) {
      boolean restore = arm.equals("template");
      hostPath = arm.equals("hostpath") ? tree : null;
      Stats readyOn = new Stats("vm_user_" + arm + "_qemu_launch_to_guest_ready", "ms");
      Stats startOn = new Stats("vm_user_" + arm + "_provider_start_to_process_running", "ms");
      Stats readyOff = new Stats("root_" + arm + "_qemu_launch_to_guest_ready", "ms");
      Stats startOff = new Stats("root_" + arm + "_provider_start_to_process_running", "ms");
      QemuConfig a = users.withTemplates(restore);
      QemuConfig b = root.withTemplates(restore);
      if (restore) {
        for (QemuConfig config : List.of(a, b)) {
          try (QemuProvider warm = provider(config, config == a)) {
            start(warm, "warm", rootfs, null, null, restore);
            if (!warm.awaitTemplates(Duration.ofMinutes(3))) {
              throw new IllegalStateException("the template VM was not made within 3 minutes");
            }
          }
        }
      }
      try (QemuProvider on = provider(a, true); QemuProvider off = provider(b, false)) {
        start(on, arm + "-warm2", rootfs, null, null, restore);
        start(off, arm + "-warm2", rootfs, null, null, restore);
        for (int i = 0; i < runs; i++) {
          // Alternate which goes first, so neither always follows the other's clean-up.
          if (i % 2 == 0) {
            start(on, arm + "-on-" + i, rootfs, readyOn, startOn, restore);
            start(off, arm + "-off-" + i, rootfs, readyOff, startOff, restore);
          } else {
            start(off, arm + "-off-" + i, rootfs, readyOff, startOff, restore);
            start(on, arm + "-on-" + i, rootfs, readyOn, startOn, restore);
          }
        }
      }
      for (Stats s : List.of(readyOn, readyOff, startOn, startOff)) {
        System.out.println(s.line());
      }
      System.out.printf(Locale.ROOT, "%s_ready_vm_user_over_root: %.2f ratio%n", arm, readyOn.median() / readyOff.median());
      System.out.printf(Locale.ROOT, "%s_start_vm_user_over_root: %.2f ratio%n", arm, startOn.median() / startOff.median());
    }
    System.out.println("starts_that_fell_back_to_a_cold_boot: " + fellBack + " count");
  }

  /** A provider whose VMs run QEMU as VM users or as root (read as the provider is made). */
  private static QemuProvider provider(QemuConfig config, boolean vmUsers) {
    System.setProperty("peapod.vm-users", vmUsers ? "on" : "off");
    return new QemuProvider(config);
  }

  private static QemuConfig noPool(QemuConfig c) {
    return c.withWarmPool(WarmPoolConfig.OFF);
  }

  /** Creates and starts one pod, adds its figures (null: a warm-up), and removes it ({@link TimedStart}). */
  private static void start(QemuProvider provider, String name, ImageRootfs rootfs, Stats ready, Stats start,
      boolean restore) {
    ContainerSpec main = ContainerSpec.of("main", rootfs, List.of("sleep", "3600"));
    PodSpec spec = PodSpec.of("vmu-" + name, List.of(hostPath == null ? main
        : main.withMounts(List.of(new dev.peapod.provider.VolumeMount("data", "/data", false, "")))));
    if (hostPath != null) {
      spec = spec.withVolumes(List.of(dev.peapod.provider.VolumeSpec.hostPath("data",
          new dev.peapod.provider.HostPath(hostPath, dev.peapod.provider.HostPath.Type.DIRECTORY))));
    }
    if (!TimedStart.run(provider, spec, ready, start, restore)) {
      fellBack++;
    }
  }
}
