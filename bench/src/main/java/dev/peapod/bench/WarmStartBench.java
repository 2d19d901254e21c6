package dev.peapod.bench;

import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.ImageRootfs;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.PodStatus;
import dev.peapod.provider.VmInfo;
import dev.peapod.provider.qemu.QemuConfig;
import dev.peapod.provider.qemu.QemuProvider;
import dev.peapod.provider.qemu.WarmPoolConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Provider start to process running from the warm pool against a start restored from the template,
 * interleaved in one run on one state directory (one template): {@code template_} figures from a
 * provider with the pool off, {@code warm_} figures from one with the default pool (one VM per
 * shape, kept by a detached keeper process as with the CLI). Before every start the pool is full
 * and has been quiet for a second, so no refill runs during a measured start; replace in the same
 * VM is measured after each start. With a third argument, the samples of each series are written
 * to that directory ({@link Stats#write}) for bench/warm-start's plot.
 */
public final class WarmStartBench {

  private static final Duration SETTLE = Duration.ofSeconds(1);

  public static void main(String[] args) throws Exception {
    Path image = Path.of(args[0]);
    int runs = Integer.parseInt(args[1]);
    Path state = Files.createTempDirectory("peapod-bench-warm-");
    QemuConfig base = QemuConfig.fromEnvironment().withStateDir(state).withTemplates(true);
    ImageRootfs rootfs = new ImageRootfs("busybox", image);
    Stats templateStart = new Stats("template_provider_start_to_process_running", "ms");
    Stats warmStart = new Stats("warm_provider_start_to_process_running", "ms");
    Stats templateReplace = new Stats("template_provider_replace_in_running_vm", "ms");
    Stats warmReplace = new Stats("warm_provider_replace_in_running_vm", "ms");
    try (QemuProvider restoring = new QemuProvider(base.withWarmPool(WarmPoolConfig.OFF));
        QemuProvider pooled = new QemuProvider(base.withWarmPool(WarmPoolConfig.DEFAULT))) {
      // Warm-up: the template (a builder process), then the pool's first VM (a keeper process).
      run(pooled, "warmup", rootfs, null, null, "cold");
      if (!pooled.awaitTemplates(Duration.ofMinutes(3))) {
        throw new IllegalStateException("the template VM was not made within 3 minutes");
      }
      PodSpec shape = spec("shape", rootfs);
      awaitPool(pooled, shape);
      run(restoring, "warmup2", rootfs, null, null, "template");
      awaitPool(pooled, shape);
      run(pooled, "warmup3", rootfs, null, null, "warm");
      for (int i = 0; i < runs; i++) {
        awaitPool(pooled, shape);
        run(restoring, "tmpl-" + i, rootfs, templateStart, templateReplace, "template");
        awaitPool(pooled, shape);
        run(pooled, "warm-" + i, rootfs, warmStart, warmReplace, "warm");
      }
    } finally {
      // The keeper ends with its pool once the state directory is gone (it looks every 200 ms).
      deleteTree(state);
    }
    if (args.length > 2) {
      for (Stats stats : List.of(templateStart, warmStart, templateReplace, warmReplace)) {
        stats.write(Path.of(args[2]));
      }
    }
    System.out.println(templateStart.line());
    System.out.println(warmStart.line());
    System.out.println(templateReplace.line());
    System.out.println(warmReplace.line());
    System.out.printf(java.util.Locale.ROOT, "warm_start_over_template_start: %.2f ratio%n",
        warmStart.median() / templateStart.median());
  }

  private static PodSpec spec(String name, ImageRootfs rootfs) {
    return PodSpec.of("bench-" + name, List.of(ContainerSpec.of("main", rootfs, List.of("sleep", "3600"))))
        .withTerminationGracePeriod(Duration.ZERO);
  }

  /** Waits until a VM waits in the pool, then a little longer, so that its keeper is idle. */
  private static void awaitPool(QemuProvider provider, PodSpec shape) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (provider.warmPoolVms(shape) < 1) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("no warm pool VM within 2 minutes");
      }
      Thread.sleep(50);
    }
    Thread.sleep(SETTLE.toMillis());
  }

  private static void run(QemuProvider provider, String name, ImageRootfs rootfs, Stats start, Stats replace,
      String kind) {
    PodSpec spec = spec(name, rootfs);
    provider.create(spec);
    long t0 = System.nanoTime();
    PodStatus started = provider.start(spec.name());
    long t1 = System.nanoTime();
    PodSpec next = started.spec().withContainers(List.of(ContainerSpec.of("next", rootfs, List.of("sleep", "7200"))));
    long t2 = System.nanoTime();
    provider.replace(spec.name(), next);
    long t3 = System.nanoTime();
    provider.remove(spec.name(), Duration.ZERO);
    VmInfo vm = started.vm().orElseThrow();
    if (!vm.kind().equals(kind)) {
      throw new IllegalStateException(name + ": expected a " + kind + " start, got " + vm.boot());
    }
    if (start != null) {
      start.add((t1 - t0) / 1e6);
      replace.add((t3 - t2) / 1e6);
    }
    System.err.println(name + ": " + vm.boot() + ", start " + (t1 - t0) / 1_000_000 + " ms, replace "
        + (t3 - t2) / 1_000_000 + " ms");
  }

  /**
   * Deletes {@code dir}, again while something still writes into it: the pool's keeper may be
   * restoring a VM into it as it goes (a walk then met a directory that had gained a file, and the
   * bench ended with its keeper and that VM left running); once the directory is gone the keeper
   * ends with its pool.
   */
  private static void deleteTree(Path dir) throws java.io.IOException, InterruptedException {
    for (int attempt = 1; Files.exists(dir); attempt++) {
      try (var walk = Files.walk(dir)) {
        for (Path p : walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
          Files.deleteIfExists(p);
        }
      } catch (java.io.IOException | java.io.UncheckedIOException e) { // a file appeared or went meanwhile
        if (attempt == 50) {
          throw e instanceof java.io.UncheckedIOException u ? u.getCause() : (java.io.IOException) e;
        }
        Thread.sleep(100);
      }
    }
  }
}
