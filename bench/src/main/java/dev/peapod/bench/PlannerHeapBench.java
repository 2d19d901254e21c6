package dev.peapod.bench;

import dev.peapod.manifest.ManifestDirectory;
import dev.peapod.manifest.ParseResult;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.plan.ActualPod;
import dev.peapod.plan.ActualState;
import dev.peapod.plan.AppliedRecord;
import dev.peapod.plan.DesiredPod;
import dev.peapod.plan.NormalizedPod;
import dev.peapod.plan.Plan;
import dev.peapod.plan.PlanOptions;
import dev.peapod.plan.Planner;
import dev.peapod.provider.PodState;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Heap held while planning N manifests read from a directory of files, as {@code peapod plan}
 * does: every parsed manifest, its normalised form, the actual state with one applied record per
 * pod, and the plan, all reachable at the moment of measuring (after a full GC). Meant to run
 * under {@code -Xmx256m}, so finishing at all shows the target holds. Printed beside the size
 * of the manifest files themselves, the baseline any in-memory model must carry.
 *
 * <p>Usage: {@code PlannerHeapBench DIR N}.
 */
public final class PlannerHeapBench {
  private PlannerHeapBench() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int n = Integer.parseInt(args[1]);
    Files.createDirectories(dir);
    long textBytes = 0;
    for (int i = 0; i < n; i++) {
      String text = PlannerBench.manifest(i);
      textBytes += text.length();
      Files.writeString(dir.resolve("pod-" + i + ".yaml"), text);
    }
    long before = usedAfterGc();
    long start = System.nanoTime();
    ParseResult parsed = ManifestDirectory.load(dir);
    if (!parsed.isValid() || parsed.manifests().size() != n) {
      throw new IllegalStateException("expected " + n + " valid manifests: " + parsed.diagnostics().all());
    }
    List<DesiredPod> desired = new ArrayList<>(n);
    List<ActualPod> actualPods = new ArrayList<>(n);
    for (PodManifest m : parsed.manifests()) {
      DesiredPod d = DesiredPod.of(m);
      desired.add(d);
      AppliedRecord record = new AppliedRecord(m.name(), AppliedRecord.MANAGED_BY_APPLY, m.origin().file(),
          Instant.EPOCH, Json.roundTrip(NormalizedPod.canonicalTree(m)), d.normalized().hash(), Optional.empty());
      actualPods.add(new ActualPod(m.name(), Optional.of(PodState.RUNNING), "", Optional.of(record)));
    }
    ActualState actual = ActualState.of(actualPods, "rev");
    Plan plan = new Planner().plan(desired, actual, PlanOptions.DEFAULT);
    long millis = (System.nanoTime() - start) / 1_000_000;
    long held = usedAfterGc() - before;
    if (plan.hasChanges() || plan.unchanged() != n) {
      throw new IllegalStateException("expected " + n + " unchanged pods");
    }
    // Keep everything reachable until after the measurement.
    if (desired.size() + actual.pods().size() + plan.unchanged() < 0) {
      System.out.println("unreachable");
    }
    long max = Runtime.getRuntime().maxMemory();
    System.out.printf("manifests: %d files, %.1f MiB of YAML%n", n, textBytes / 1048576.0);
    System.out.printf("load+plan took %d ms%n", millis);
    System.out.printf("heap_held_%d_manifests: %.1f MiB%n", n, held / 1048576.0);
    System.out.printf("heap_held_to_yaml_ratio: %.1f x%n", (double) held / textBytes);
    System.out.printf("heap_max: %.0f MiB%n", max / 1048576.0);
  }

  private static long usedAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
