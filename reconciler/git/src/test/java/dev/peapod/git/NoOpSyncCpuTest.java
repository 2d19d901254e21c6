package dev.peapod.git;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.git.testing.GitDaemon;
import dev.peapod.git.testing.TestRepo;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a sync costs when nothing changed, for issue 11's "no-op resync of 1,000 pods from a git
 * source ≤ 100 ms CPU": a repository of 1,000 pod manifests on git daemon, then repeated syncs.
 * CPU is that of the calling thread plus the mirror's fetch thread (ThreadMXBean), and of the whole
 * process (which also counts JIT and GC threads). Prints {@code name: value unit} lines.
 */
class NoOpSyncCpuTest {
  private static final int WARMUP = 30;
  private static final int RUNS = 50;

  @TempDir
  Path tmp;

  @Test
  void aNoOpSyncOfAThousandPodRepositoryIsCheap() throws Exception {
    try (GitDaemon daemon = new GitDaemon(tmp.resolve("served"))) {
      TestRepo repo = TestRepo.create(daemon.root(), tmp, "fleet");
      for (int i = 0; i < 1000; i++) {
        repo.write("pods/pod-%04d.yaml".formatted(i), """
            apiVersion: peapod.dev/v1alpha1
            kind: PeaPod
            metadata:
              name: pod-%04d
            spec:
              containers:
                - name: app
                  image: busybox:1.36
                  command: ["sleep", "infinity"]
            """.formatted(i));
      }
      repo.commit("1,000 pods").push();
      ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      com.sun.management.OperatingSystemMXBean os =
          (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
      try (GitMirror mirror = new GitMirror(tmp.resolve("mirror"), new GitSourceSpec(daemon.url("fleet"), GitRef.branch("main"), "pods"), Duration.ofSeconds(30))) {
        GitRevision first = mirror.sync();
        for (int i = 0; i < WARMUP; i++) {
          assertSame(first, mirror.sync());
        }
        long[] threadCpu = new long[RUNS];
        long[] processCpu = new long[RUNS];
        long[] wall = new long[RUNS];
        for (int i = 0; i < RUNS; i++) {
          long t0 = syncThreadsCpu(threads);
          long p0 = os.getProcessCpuTime();
          long w0 = System.nanoTime();
          assertSame(first, mirror.sync());
          wall[i] = System.nanoTime() - w0;
          processCpu[i] = os.getProcessCpuTime() - p0;
          threadCpu[i] = syncThreadsCpu(threads) - t0;
        }
        double threadMs = median(threadCpu) / 1e6;
        System.out.printf("git-noop-sync-cpu-threads: %.2f ms (median of %d, 1,000 pod files, git daemon)%n", threadMs, RUNS);
        // The process clock ticks in 10 ms steps here: its mean says more than its median.
        System.out.printf("git-noop-sync-cpu-process: %.2f ms (mean of %d)%n", Arrays.stream(processCpu).average().orElse(0) / 1e6, RUNS);
        System.out.printf("git-noop-sync-wall: %.2f ms (median of %d)%n", median(wall) / 1e6, RUNS);
        assertTrue(threadMs < 100, "a no-op sync took " + threadMs + " ms of CPU");
      }
    }
  }

  /** CPU time of this thread and of the mirrors' fetch threads. */
  private static long syncThreadsCpu(ThreadMXBean threads) {
    long total = threads.getCurrentThreadCpuTime();
    for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info != null && info.getThreadName().startsWith("peapod-git-fetch")) {
        total += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
      }
    }
    return total;
  }

  private static double median(long[] values) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
