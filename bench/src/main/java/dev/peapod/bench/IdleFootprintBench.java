package dev.peapod.bench;

import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.ImageRootfs;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.PodStatus;
import dev.peapod.provider.qemu.QemuConfig;
import dev.peapod.provider.qemu.QemuProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Host cost of idle pod VMs: proportional set size (PSS, shared pages split
 * between the VMs sharing them) and CPU, over N VMs running at once, each a
 * pod with one busybox container sleeping.
 *
 * <p>Both boot paths are measured in one run, one after the other: cold boots
 * (PEAPOD_TEMPLATES=off), then VMs restored from a template VM ({@code template_} prefix).
 * Restored VMs may map one ramfs copy of the template's RAM copy-on-write; PSS counts only
 * the pages of it some VM maps, so the whole file's size is reported too, and a per-VM
 * figure with an equal share of it added ({@code template_idle_vm_pss_with_shared_ram}).
 *
 * <p>Usage: {@code IdleFootprintBench IMAGE.erofs VMS SETTLE_SECONDS SAMPLE_SECONDS}
 */
public final class IdleFootprintBench {

  private static final double CLOCK_TICKS_PER_SECOND = 100.0; // USER_HZ on Linux/x86

  public static void main(String[] args) throws Exception {
    Path image = Path.of(args[0]);
    int vms = Integer.parseInt(args[1]);
    int settleSeconds = Integer.parseInt(args[2]);
    int sampleSeconds = Integer.parseInt(args[3]);
    QemuConfig base = QemuConfig.fromEnvironment().withWarmPool(dev.peapod.provider.qemu.WarmPoolConfig.OFF); // templates vs cold boots
    ImageRootfs rootfs = new ImageRootfs("busybox", image);

    // Cold boots first, then VMs restored from a template VM (made after a warm-up start, which
    // waits for its builder); one phase at a time, each with all its VMs at once.
    List<Stats> cold = phase(base.withStateDir(Files.createTempDirectory("peapod-bench-cold-")).withTemplates(false),
        rootfs, vms, settleSeconds, sampleSeconds, "");
    Path templateState = Files.createTempDirectory("peapod-bench-tmpl-");
    QemuConfig templates = base.withStateDir(templateState).withTemplates(true);
    try (QemuProvider warm = new QemuProvider(templates)) {
      warm.create(PodSpec.of("warm", List.of(ContainerSpec.of("main", rootfs, List.of("sleep", "1")))));
      warm.start("warm");
      warm.remove("warm", Duration.ZERO);
      if (!warm.awaitTemplates(Duration.ofMinutes(2))) {
        throw new IllegalStateException("the template VM was not made within 2 minutes");
      }
    }
    List<Stats> restored = phase(templates, rootfs, vms, settleSeconds, sampleSeconds, "template_");

    System.out.println("vms: " + vms);
    for (List<Stats> series : List.of(cold, restored)) {
      series.forEach(st -> System.out.println(st.line()));
    }
    System.out.printf(java.util.Locale.ROOT, "idle_vm_pss_over_hypercontainer_qemu_rss: %.2f ratio%n",
        cold.get(1).median() / 49.0);
    System.out.printf(java.util.Locale.ROOT, "template_idle_vm_pss_over_cold: %.2f ratio%n",
        restored.get(1).median() / cold.get(1).median());
  }

  /** Starts {@code vms} idle pods at once and measures them: RSS, PSS, CPU. */
  private static List<Stats> phase(QemuConfig config, ImageRootfs rootfs, int vms, int settleSeconds,
      int sampleSeconds, String prefix) throws Exception {
    Stats pss = new Stats(prefix + "idle_vm_pss", "MiB");
    Stats rss = new Stats(prefix + "idle_vm_rss", "MiB");
    Stats cpu = new Stats(prefix + "idle_vm_cpu", "% of one core");
    Stats shared = new Stats(prefix + "shared_template_ram", "MiB");
    Stats pssWithShared = new Stats(prefix + "idle_vm_pss_with_shared_ram", "MiB");
    try (QemuProvider provider = new QemuProvider(config)) {
      List<Long> pids = new ArrayList<>();
      try {
        for (int i = 0; i < vms; i++) {
          String name = "idle-" + i;
          provider.create(PodSpec.of(name,
                  List.of(ContainerSpec.of("main", rootfs, List.of("sleep", "100000"))))
              .withTerminationGracePeriod(Duration.ZERO));
          PodStatus status = provider.start(name);
          boolean restored = status.vm().orElseThrow().boot().startsWith("restored");
          if (restored != config.templates()) {
            throw new IllegalStateException(name + ": " + status.vm().orElseThrow().boot());
          }
          pids.add(status.vm().orElseThrow().pid());
        }
        Thread.sleep(settleSeconds * 1000L);
        long[] before = new long[vms];
        for (int i = 0; i < vms; i++) {
          before[i] = cpuTicks(pids.get(i));
        }
        long t0 = System.nanoTime();
        Thread.sleep(sampleSeconds * 1000L);
        double elapsed = (System.nanoTime() - t0) / 1e9;
        double sharedMiB = sharedTemplateRamKb(pids) / 1024.0;
        for (int i = 0; i < vms; i++) {
          long ticks = cpuTicks(pids.get(i)) - before[i];
          cpu.add(100.0 * ticks / CLOCK_TICKS_PER_SECOND / elapsed);
          double pssMiB = smapsRollupKb(pids.get(i), "Pss:") / 1024.0;
          pss.add(pssMiB);
          rss.add(smapsRollupKb(pids.get(i), "Rss:") / 1024.0);
          pssWithShared.add(pssMiB + sharedMiB / vms);
        }
        shared.add(sharedMiB);
      } finally {
        for (int i = 0; i < vms; i++) {
          try {
            provider.remove("idle-" + i, Duration.ZERO);
          } catch (RuntimeException e) {
            System.err.println("cleanup: " + e.getMessage());
          }
        }
      }
    }
    return shared.median() > 0 ? List.of(rss, pss, cpu, shared, pssWithShared) : List.of(rss, pss, cpu);
  }

  /**
   * Memory held by the ramfs files of template RAM the VMs map (each counted once): ramfs
   * pages are never freed while the file exists, mapped by a VM or not.
   */
  private static long sharedTemplateRamKb(List<Long> pids) throws Exception {
    Set<String> files = new TreeSet<>();
    String ramfs = QemuProvider.TEMPLATE_RAMFS + "/";
    for (long pid : pids) {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "maps"))) {
        int at = line.indexOf(ramfs);
        if (at >= 0) {
          files.add(line.substring(at).trim());
        }
      }
    }
    long kb = 0;
    for (String file : files) {
      Process du = new ProcessBuilder("du", "-k", file).start();
      String out = new String(du.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (du.waitFor() != 0 || out.isEmpty()) {
        throw new IOException("du -k " + file + " failed: " + out);
      }
      kb += Long.parseLong(out.split("\\s+")[0]);
    }
    return kb;
  }

  private static long cpuTicks(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  private static long smapsRollupKb(long pid, String key) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "smaps_rollup"))) {
      if (line.startsWith(key)) {
        return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
      }
    }
    throw new IOException("no " + key + " in smaps_rollup of " + pid);
  }
}
