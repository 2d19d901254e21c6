package dev.peapod.bench;

import dev.peapod.provider.ImageRootfs;
import dev.peapod.provider.qemu.QemuConfig;
import dev.peapod.provider.qemu.QemuProvider;
import dev.peapod.provider.qemu.WarmPoolConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Starts from a template with QEMU's seccomp sandbox against the same starts without it, in one
 * run: two providers alternate, each with its own state directory and template, whose QEMU binary
 * is a wrapper that keeps or drops {@code -sandbox} (see {@code bench/sandbox-cost}). No warm pool:
 * every measured start is a restore from the template.
 *
 * <p>Usage: {@code SandboxCostBench IMAGE.erofs QEMU-WITH-SANDBOX QEMU-WITHOUT RUNS}
 */
public final class SandboxCostBench {

  private static int fellBack;

  public static void main(String[] args) throws Exception {
    ImageRootfs rootfs = new ImageRootfs("busybox", Path.of(args[0]));
    String on = args[1];
    String off = args[2];
    int runs = Integer.parseInt(args[3]);
    QemuConfig base = QemuConfig.fromEnvironment();
    QemuConfig withSandbox = withQemu(base, on).withStateDir(Files.createTempDirectory("peapod-bench-sbx-on-"))
        .withTemplates(true);
    QemuConfig without = withQemu(base, off).withStateDir(Files.createTempDirectory("peapod-bench-sbx-off-"))
        .withTemplates(true);
    Stats readyOn = new Stats("sandbox_on_template_qemu_launch_to_guest_ready", "ms");
    Stats startOn = new Stats("sandbox_on_template_provider_start_to_process_running", "ms");
    Stats readyOff = new Stats("sandbox_off_template_qemu_launch_to_guest_ready", "ms");
    Stats startOff = new Stats("sandbox_off_template_provider_start_to_process_running", "ms");
    for (QemuConfig config : List.of(withSandbox, without)) {
      try (QemuProvider warm = new QemuProvider(config)) {
        start(warm, "warm", rootfs, null, null);
        if (!warm.awaitTemplates(Duration.ofMinutes(3))) {
          throw new IllegalStateException("the template VM was not made within 3 minutes");
        }
      }
    }
    try (QemuProvider a = new QemuProvider(withSandbox); QemuProvider b = new QemuProvider(without)) {
      start(a, "warm2", rootfs, null, null);
      start(b, "warm2", rootfs, null, null);
      for (int i = 0; i < runs; i++) {
        // Alternate which goes first, so neither always follows the other's clean-up.
        if (i % 2 == 0) {
          start(a, "on-" + i, rootfs, readyOn, startOn);
          start(b, "off-" + i, rootfs, readyOff, startOff);
        } else {
          start(b, "off-" + i, rootfs, readyOff, startOff);
          start(a, "on-" + i, rootfs, readyOn, startOn);
        }
      }
    }
    for (Stats s : List.of(readyOn, readyOff, startOn, startOff)) {
      System.out.println(s.line());
    }
    System.out.println("starts_that_fell_back_to_a_cold_boot: " + fellBack + " count");
    System.out.printf(Locale.ROOT, "template_ready_sandbox_on_over_off: %.2f ratio%n",
        readyOn.median() / readyOff.median());
    System.out.printf(Locale.ROOT, "template_start_sandbox_on_over_off: %.2f ratio%n",
        startOn.median() / startOff.median());
  }

  private static QemuConfig withQemu(QemuConfig c, String qemu) {
    return new QemuConfig(qemu, c.kernel(), c.initrd(), c.stateDir(), c.accelerator(), c.tbSizeMiB(),
        c.bootTimeout(), c.probeTimeout(), c.templates(), c.kvmDevice(), WarmPoolConfig.OFF);
  }

  /** Creates and starts one pod, adds its figures (null: a warm-up), and removes it ({@link TimedStart}). */
  private static void start(QemuProvider provider, String name, ImageRootfs rootfs, Stats ready, Stats start) {
    if (!TimedStart.run(provider, "sbx-" + name, rootfs, ready, start, true)) {
      fellBack++;
    }
  }
}
