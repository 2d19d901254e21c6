package dev.peapod.bench;

import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.ExecSession;
import dev.peapod.provider.ExecSpec;
import dev.peapod.provider.ImageRootfs;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.PodStatus;
import dev.peapod.provider.qemu.QemuConfig;
import dev.peapod.provider.qemu.QemuProvider;
import dev.peapod.provider.qemu.WarmPoolConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The density curve: idle pods started one after another (each a one-container busybox pod
 * sleeping, restored from the template with the warm pool off), measured whenever their count
 * reaches a step (e.g. 1, 10, 25, 50, 100), all of them at once.
 *
 * <p>At every step, after a settle time: each QEMU's PSS split by what its mappings hold (the TCG
 * translation buffer, guest RAM, other anonymous memory = QEMU's heap and stacks, files = QEMU
 * and its libraries), the shared template RAM (a ramfs file or a sealed memfd: its pages count once
 * more, whoever maps them, on top of the mappers' PSS, an overcount of what they map), the PSS of the pods' other host processes (passt and the log writers, children of
 * this JVM: bench/density makes it their subreaper, since their launcher exits) and CPU over a sample window. "Per pod" figures are the total divided by the number
 * of pods, so shared pages are split between them as PSS splits them. After the last step every
 * pod must answer an exec ({@code cat /proc/meminfo}, whose MemFree is printed), then all are
 * removed. Plot data (one line per step) goes to the file named by the last argument.
 *
 * <p>Usage: {@code DensityBench IMAGE.erofs STEPS SETTLE_SECONDS SAMPLE_SECONDS DATA_FILE}, STEPS
 * comma-separated and increasing.
 */
public final class DensityBench {

  private static final double CLOCK_TICKS_PER_SECOND = 100.0; // USER_HZ on Linux/x86
  /** The first line of a mapping in smaps: its address range. */
  private static final java.util.regex.Pattern MAPPING = java.util.regex.Pattern.compile("[0-9a-f]+-[0-9a-f]+ ");

  public static void main(String[] args) throws Exception {
    Path image = Path.of(args[0]);
    List<Integer> steps = new ArrayList<>();
    for (String s : args[1].split(",")) {
      steps.add(Integer.parseInt(s.trim()));
    }
    int settleSeconds = Integer.parseInt(args[2]);
    int sampleSeconds = Integer.parseInt(args[3]);
    Path data = Path.of(args[4]);
    Path state = Files.createTempDirectory("peapod-bench-density-");
    QemuConfig config = QemuConfig.fromEnvironment().withStateDir(state).withTemplates(true)
        .withWarmPool(WarmPoolConfig.OFF);
    ImageRootfs rootfs = new ImageRootfs("busybox", image);
    List<String> lines = new ArrayList<>();
    StringBuilder plot = new StringBuilder(
        "# pods qemu_pss_per_pod_with_shared_ram pod_pss_with_helpers total_mib mem_available_drop_per_pod cpu_per_pod\n");
    long memAvailableBefore = meminfoKb("MemAvailable:");
    try (QemuProvider provider = new QemuProvider(config)) {
      // The template first (a detached builder after one cold start), outside the measured pods.
      provider.create(spec("warm", rootfs));
      provider.start("warm");
      provider.remove("warm", Duration.ZERO);
      if (!provider.awaitTemplates(Duration.ofMinutes(3))) {
        throw new IllegalStateException("the template VM was not made within 3 minutes");
      }
      memAvailableBefore = meminfoKb("MemAvailable:");
      List<Long> pids = new ArrayList<>();
      Stats startMs = new Stats("density_start", "ms");
      try {
        for (int step : steps) {
          long t0 = System.nanoTime();
          while (pids.size() < step) {
            String name = "idle-" + pids.size();
            provider.create(spec(name, rootfs));
            long s0 = System.nanoTime();
            PodStatus status = provider.start(name);
            startMs.add((System.nanoTime() - s0) / 1e6);
            if (!status.vm().orElseThrow().boot().startsWith("restored")) {
              System.err.println(name + ": " + status.vm().orElseThrow().boot());
            }
            pids.add(status.vm().orElseThrow().pid());
          }
          System.err.printf(Locale.ROOT, "%d pods running (%.0f s to start this step's), load %s%n",
              step, (System.nanoTime() - t0) / 1e9, load());
          Thread.sleep(settleSeconds * 1000L);
          String merged = awaitKsm();
          Sample sample = measure(pids, sampleSeconds);
          int first = lines.size();
          double memDropMiB = (memAvailableBefore - meminfoKb("MemAvailable:")) / 1024.0;
          int n = pids.size();
          String p = "density_" + n + "_pods_";
          lines.add(String.format(Locale.ROOT, "%sqemu_pss_per_pod: %.2f MiB (median %.2f, min %.2f, max %.2f)",
              p, sample.qemuPss.mean(), sample.qemuPss.median(), sample.qemuPss.min(), sample.qemuPss.max()));
          double withShared = sample.qemuPss.mean() + sample.sharedRamMiB / n;
          lines.add(String.format(Locale.ROOT, "%sqemu_pss_per_pod_with_shared_ram: %.2f MiB", p, withShared));
          lines.add(String.format(Locale.ROOT,
              "%sqemu_pss_parts_per_pod: tb %.2f, guest_ram %.2f, other_anon %.2f, files %.2f MiB (means)",
              p, sample.tb.mean(), sample.guestRam.mean(), sample.anon.mean(), sample.files.mean()));
          lines.add(String.format(Locale.ROOT, "%sshared_template_ram: %.2f MiB (%d files: %s MiB)", p, sample.sharedRamMiB,
              sample.sharedRamFiles.size(), String.join(" + ", sample.sharedRamFiles)));
          lines.add(String.format(Locale.ROOT, "%shelper_processes_pss_per_pod: %.2f MiB (%d processes; passt %.2f)",
              p, sample.helperPssMiB / n, sample.helpers, sample.passtPssMiB / n));
          double total = sample.qemuPss.mean() * n + sample.sharedRamMiB + sample.helperPssMiB;
          lines.add(String.format(Locale.ROOT, "%spod_pss_with_helpers: %.2f MiB", p, total / n));
          lines.add(String.format(Locale.ROOT, "%stotal_pss: %.1f MiB", p, total));
          lines.add(String.format(Locale.ROOT, "%smem_available_drop_per_pod: %.2f MiB (host-wide: other processes move it)", p, memDropMiB / n));
          lines.add(String.format(Locale.ROOT, "%sqemu_cpu_per_pod: %.3f %% of one core (median %.3f, max %.3f)",
              p, sample.qemuCpu.mean(), sample.qemuCpu.median(), sample.qemuCpu.max()));
          lines.add(String.format(Locale.ROOT, "%shelper_cpu_per_pod: %.3f %% of one core", p, sample.helperCpu / n));
          lines.add(String.format(Locale.ROOT, "%sksmd_cpu_per_pod: %.3f %% of one core (%.2f %% in all)",
              p, sample.ksmdCpu / n, sample.ksmdCpu));
          lines.add(String.format(Locale.ROOT, "%spod_cpu_with_ksmd: %.3f %% of one core",
              p, sample.qemuCpu.mean() + (sample.helperCpu + sample.ksmdCpu) / n));
          lines.add(p + "ksm: " + merged);
          lines.add(String.format(Locale.ROOT, "%sload: %s", p, load()));
          plot.append(String.format(Locale.ROOT, "%d %.2f %.2f %.1f %.2f %.3f%n", n, withShared, total / n, total,
              memDropMiB / n, sample.qemuCpu.mean()));
          System.err.println(String.join("\n", lines.subList(first, lines.size())));
        }
        lines.add(startMs.line());
        lines.add(answering(provider, pids.size()));
      } finally {
        for (int i = 0; i < pids.size(); i++) {
          try {
            provider.remove("idle-" + i, Duration.ZERO);
          } catch (RuntimeException e) {
            System.err.println("cleanup: " + e.getMessage());
          }
        }
      }
    } finally {
      deleteTree(state);
    }
    Files.writeString(data, plot);
    lines.forEach(System.out::println);
  }

  private static PodSpec spec(String name, ImageRootfs rootfs) {
    return PodSpec.of(name, List.of(ContainerSpec.of("main", rootfs, List.of("sleep", "100000"))))
        .withTerminationGracePeriod(Duration.ZERO);
  }

  /** Every pod runs {@code cat /proc/meminfo}, four at a time; how many answered, and their MemFree. */
  private static String answering(QemuProvider provider, int pods) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Long>> results = new ArrayList<>();
      for (int i = 0; i < pods; i++) {
        String name = "idle-" + i;
        results.add(pool.submit(() -> memFreeKb(provider, name)));
      }
      Stats memFree = new Stats("density_guest_memfree", "MiB");
      int answered = 0;
      for (Future<Long> r : results) {
        try {
          memFree.add(r.get() / 1024.0);
          answered++;
        } catch (java.util.concurrent.ExecutionException e) {
          System.err.println("exec: " + e.getCause());
        }
      }
      return String.format(Locale.ROOT, "density_pods_answering_exec: %d of %d pods%n%s", answered, pods,
          memFree.line());
    } finally {
      pool.shutdownNow();
    }
  }

  private static long memFreeKb(QemuProvider provider, String pod) throws IOException {
    try (ExecSession exec = provider.exec(pod, ExecSpec.of("main", "cat", "/proc/meminfo"))) {
      exec.stdin().close();
      String out = new String(exec.stdout().readAllBytes(), StandardCharsets.UTF_8);
      OptionalInt code = exec.waitFor(Duration.ofSeconds(60));
      if (code.isEmpty() || code.getAsInt() != 0) {
        throw new IOException(pod + ": exec ended with " + code);
      }
      for (String line : out.split("\n")) {
        if (line.startsWith("MemFree:")) {
          return Long.parseLong(line.substring(8).trim().split("\\s+")[0]);
        }
      }
      throw new IOException(pod + ": no MemFree in " + out);
    }
  }

  private static final class Sample {
    final Series qemuPss = new Series();
    final Series tb = new Series();
    final Series guestRam = new Series();
    final Series anon = new Series();
    final Series files = new Series();
    final Series qemuCpu = new Series();
    double sharedRamMiB;
    /** The size of each template RAM file or memfd counted, in MiB (one per template a QEMU restored from). */
    final List<String> sharedRamFiles = new ArrayList<>();
    double helperPssMiB;
    double passtPssMiB;
    double helperCpu;
    double ksmdCpu;
    int helpers;
  }

  private static Sample measure(List<Long> pids, int sampleSeconds) throws Exception {
    Sample s = new Sample();
    Set<Long> qemus = new LinkedHashSet<>(pids);
    Set<Long> helpers = descendants(ProcessHandle.current().pid());
    helpers.removeAll(qemus);
    // As the helpers' subreaper the JVM also adopts the template's RAM holder (its memfd is counted
    // once, as the shared template RAM) and a detached template builder's JVM: neither is a pod's.
    helpers.removeIf(pid -> {
      String cmdline = commandLine(pid);
      return cmdline.contains("peapod-template-ram") || cmdline.contains("dev.peapod.");
    });
    Map<Long, Long> before = new HashMap<>();
    for (long pid : qemus) {
      before.put(pid, cpuTicks(pid));
    }
    for (long pid : helpers) {
      before.put(pid, cpuTicks(pid));
    }
    long ksmd = ksmdPid();
    long ksmdBefore = ksmd < 0 ? -1 : cpuTicks(ksmd);
    long t0 = System.nanoTime();
    Thread.sleep(sampleSeconds * 1000L);
    double elapsed = (System.nanoTime() - t0) / 1e9;
    for (long pid : qemus) {
      s.qemuCpu.add(100.0 * (cpuTicks(pid) - before.get(pid)) / CLOCK_TICKS_PER_SECOND / elapsed);
    }
    long helperTicks = 0;
    for (long pid : helpers) {
      long now = cpuTicks(pid);
      if (now >= 0 && before.get(pid) >= 0) {
        helperTicks += now - before.get(pid);
      }
    }
    s.helperCpu = 100.0 * helperTicks / CLOCK_TICKS_PER_SECOND / elapsed;
    if (ksmdBefore >= 0) {
      s.ksmdCpu = 100.0 * (cpuTicks(ksmd) - ksmdBefore) / CLOCK_TICKS_PER_SECOND / elapsed;
    }
    Set<String> ramFiles = new TreeSet<>();
    for (long pid : qemus) {
      Parts parts = parts(pid, ramFiles);
      s.qemuPss.add(parts.total / 1024.0);
      s.tb.add(parts.tb / 1024.0);
      s.guestRam.add(parts.guestRam / 1024.0);
      s.anon.add(parts.anon / 1024.0);
      s.files.add(parts.files / 1024.0);
    }
    long sharedKb = 0;
    Set<Object> counted = new java.util.HashSet<>(); // a memfd is named once per QEMU that maps it
    for (String file : ramFiles) {
      if (Files.exists(Path.of(file)) && counted.add(Files.getAttribute(Path.of(file), "unix:ino"))) {
        long kb = duKb(file);
        sharedKb += kb;
        s.sharedRamFiles.add(String.format(Locale.ROOT, "%.1f", kb / 1024.0));
      }
    }
    s.sharedRamMiB = sharedKb / 1024.0;
    long helperKb = 0;
    for (long pid : helpers) {
      try {
        long kb = rollupKb(pid, "Pss:");
        helperKb += kb;
        if (Files.readString(Path.of("/proc", Long.toString(pid), "comm")).startsWith("passt")) {
          s.passtPssMiB += kb / 1024.0;
        }
        s.helpers++;
      } catch (IOException e) {
        // ended in between
      }
    }
    s.helperPssMiB = helperKb / 1024.0;
    return s;
  }

  private static final Path KSM = Path.of("/sys/kernel/mm/ksm");

  /** How many pages ksmd scans per wake-up while a step waits for it (then back to the host's setting). */
  private static final String FAST_SCAN_PAGES = "1000";

  /**
   * With ksmd running, waits until what it merges has settled, at most 15 minutes, and says what
   * it merged: a step is measured merged as far as KSM gets, not half way. A page merges only
   * after two scans have seen it unchanged, and one merged late can let others merge in the
   * next scan: settled is at least three full scans and the last one adding less than 1 % to
   * pages_sharing. The wait scans 10 times faster than the host's setting (ksmd takes most of a
   * core meanwhile), which changes how soon, not what, is merged; the CPU sample that follows
   * runs at the host's setting again, which is what an idle host pays.
   */
  private static String awaitKsm() throws IOException, InterruptedException {
    if (!Files.isDirectory(KSM) || !ksm("run").equals("1")) {
      return "ksmd not running (/sys/kernel/mm/ksm/run = " + (Files.isDirectory(KSM) ? ksm("run") : "none") + ")";
    }
    long t0 = System.nanoTime();
    String pagesToScan = ksm("pages_to_scan");
    Files.writeString(KSM.resolve("pages_to_scan"), FAST_SCAN_PAGES);
    int scans = 0;
    try {
      long deadline = t0 + Duration.ofMinutes(15).toNanos();
      long lastScan = Long.parseLong(ksm("full_scans"));
      long lastSharing = Long.parseLong(ksm("pages_sharing"));
      while (System.nanoTime() < deadline) {
        Thread.sleep(1000);
        long scan = Long.parseLong(ksm("full_scans"));
        if (scan == lastScan) {
          continue;
        }
        scans += (int) (scan - lastScan);
        lastScan = scan;
        long sharing = Long.parseLong(ksm("pages_sharing"));
        boolean settled = scans >= 3 && sharing - lastSharing < Math.max(1, lastSharing / 100);
        lastSharing = sharing;
        if (settled) {
          break;
        }
      }
    } finally {
      Files.writeString(KSM.resolve("pages_to_scan"), pagesToScan);
    }
    return String.format(Locale.ROOT, "waited %.0f s for %d full scans (at pages_to_scan %s);"
        + " pages_shared %s, pages_sharing %s, ksm_zero_pages %s, general_profit %.1f MiB"
        + " (then pages_to_scan %s, sleep_millisecs %s, use_zero_pages %s)",
        (System.nanoTime() - t0) / 1e9, scans, FAST_SCAN_PAGES, ksm("pages_shared"), ksm("pages_sharing"),
        ksm("ksm_zero_pages"), Long.parseLong(ksm("general_profit")) / 1048576.0, ksm("pages_to_scan"),
        ksm("sleep_millisecs"), ksm("use_zero_pages"));
  }

  private static String ksm(String name) throws IOException {
    Path file = KSM.resolve(name);
    return Files.exists(file) ? Files.readString(file).trim() : "0";
  }

  /** The ksmd kernel thread, or -1. */
  private static long ksmdPid() {
    try (var procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path proc : procs) {
        try {
          if (Files.readString(proc.resolve("comm")).trim().equals("ksmd")) {
            return Long.parseLong(proc.getFileName().toString());
          }
        } catch (IOException e) {
          // ended in between
        }
      }
    } catch (IOException e) {
      return -1;
    }
    return -1;
  }

  private record Parts(long total, long tb, long guestRam, long anon, long files) {}

  /**
   * PSS of one QEMU by mapping kind, from smaps: the translation buffer is its one anonymous
   * mapping that is readable, writable and executable; guest RAM is the mapping of the template's
   * RAM file (QEMU as root), of its sealed memfd (a VM user's QEMU), of the VM's own copy of it in
   * /dev/shm (a VM user's, without the memfd), or a memfd (cold boot); other
   * anonymous mappings are heap, stacks and the like.
   */
  /** How a VM user's QEMU's mapping of its template's sealed memfd is named in smaps. */
  private static final String SEALED_RAM = "/memfd:peapod-template-ram";

  private static Parts parts(long pid, Set<String> ramFiles) throws IOException {
    long total = 0;
    long tb = 0;
    long ram = 0;
    long anon = 0;
    long files = 0;
    String kind = "anon";
    String ramfs = QemuProvider.TEMPLATE_RAMFS + "/";
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "smaps"))) {
      if (MAPPING.matcher(line).lookingAt()) {
        String[] f = line.trim().split("\\s+", 6);
        String perms = f[1];
        String path = f.length > 5 ? f[5] : "";
        if (path.startsWith(ramfs) || path.startsWith("/memfd:ram") || path.startsWith("/dev/shm/peapod-")
            || path.startsWith(SEALED_RAM)) {
          kind = "ram";
          if (path.startsWith(ramfs)) {
            ramFiles.add(path);
          } else if (path.startsWith(SEALED_RAM)) {
            ramFiles.add("/proc/" + pid + "/fd/7"); // the template's sealed memfd (a VM user's QEMU, see TemplateRam)
          }
        } else if (path.isEmpty() && perms.startsWith("rwx")) {
          kind = "tb";
        } else if (path.isEmpty() || path.startsWith("[")) {
          kind = "anon";
        } else {
          kind = "files";
        }
      } else if (line.startsWith("Pss:")) {
        long kb = Long.parseLong(line.substring(4).trim().split("\\s+")[0]);
        total += kb;
        switch (kind) {
          case "ram" -> ram += kb;
          case "tb" -> tb += kb;
          case "anon" -> anon += kb;
          default -> files += kb;
        }
      }
    }
    return new Parts(total, tb, ram, anon, files);
  }

  private static Set<Long> descendants(long root) {
    Set<Long> out = new LinkedHashSet<>();
    ProcessHandle.of(root).ifPresent(h -> h.descendants().forEach(d -> out.add(d.pid())));
    return out;
  }

  private static String commandLine(long pid) {
    try {
      return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  private static long cpuTicks(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    } catch (IOException e) {
      return -1;
    }
  }

  private static long rollupKb(long pid, String key) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "smaps_rollup"))) {
      if (line.startsWith(key)) {
        return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
      }
    }
    throw new IOException("no " + key + " in smaps_rollup of " + pid);
  }

  private static long meminfoKb(String key) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
      if (line.startsWith(key)) {
        return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
      }
    }
    throw new IOException("no " + key + " in /proc/meminfo");
  }

  private static long duKb(String file) throws IOException, InterruptedException {
    Process du = new ProcessBuilder("du", "-kL", file).start();
    String out;
    try (InputStream in = du.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
    }
    if (du.waitFor() != 0 || out.isEmpty()) {
      throw new IOException("du -k " + file + " failed: " + out);
    }
    return Long.parseLong(out.split("\\s+")[0]);
  }

  private static String load() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1];
    } catch (IOException e) {
      return "?";
    }
  }

  /** Samples with mean, median, min and max. */
  private static final class Series {
    private final List<Double> values = new ArrayList<>();

    void add(double v) {
      values.add(v);
    }

    double mean() {
      return values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    double median() {
      List<Double> sorted = new ArrayList<>(values);
      java.util.Collections.sort(sorted);
      int n = sorted.size();
      return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    double min() {
      return values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    double max() {
      return values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (Files.exists(dir)) {
      try (var walk = Files.walk(dir)) {
        for (Path p : walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
