package dev.peapod.bench;

import dev.peapod.apply.ApplyListener;
import dev.peapod.engine.Engine;
import dev.peapod.engine.PodReconciler;
import dev.peapod.engine.ReconcileResult;
import dev.peapod.engine.source.DesiredSnapshot;
import dev.peapod.images.ImageStore;
import dev.peapod.images.PullListener;
import dev.peapod.manifest.ManifestParser;
import dev.peapod.plan.DesiredPod;
import dev.peapod.plan.Plan;
import dev.peapod.plan.PlanOptions;
import dev.peapod.plan.Planner;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A controller's workers converging N changed pods, one pass per pod as its work queue hands them
 * out, through the real engine (records on disk, manifests turned into provider specs with images
 * from a real store) over {@link MemoryProvider}: what is measured is the engine's own work per
 * pass, not a VM's.
 *
 * <p>Each round changes an environment value of every pod (a replace in the same VM) and converges
 * them all, alternately:
 *
 * <ul>
 *   <li>{@code full_read} (the baseline, what {@code PodReconciler} did before): each pass plans its
 *       pod against a read of every pod's state and record, so N passes read N x N;
 *   <li>{@code per_pod}: {@link PodReconciler} as it is, whose pass reads its own pod alone.
 * </ul>
 *
 * Usage: {@code ConvergeBench REPO PODS ROUNDS}; prints wall and process CPU per round (the reads run
 * in parallel on the common pool, so the passing thread's own CPU would miss them), medians.
 */
public final class ConvergeBench {

  public static void main(String[] args) throws Exception {
    Path repo = Path.of(args[0]);
    int pods = Integer.parseInt(args[1]);
    int rounds = Integer.parseInt(args[2]);
    Path home = Files.createTempDirectory("peapod-bench-converge");
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    try (ImageStore images = ImageStore.builder(home.resolve("images")).build()) {
      Path layout = home.resolve("oci");
      Process p = new ProcessBuilder(repo.resolve("scripts/busybox-oci.sh").toString(), layout.toString(), "1",
          "bench").inheritIO().start();
      if (p.waitFor() != 0) {
        throw new IllegalStateException("busybox-oci.sh failed");
      }
      images.load(layout, "bench/bb:1", PullListener.NONE);
      MemoryProvider provider = new MemoryProvider();
      Engine engine = Engine.withSharedImages(provider, home, images, Engine.fileLocks(home, "peapod bench"),
          Clock.systemUTC());
      PlanOptions options = new PlanOptions(Set.of(), false, PlanOptions.DEFAULT_MAX_REMOVALS, "dir:/bench", false);
      long t0 = System.nanoTime();
      converge(engine, snapshot(pods, "v0"), options, true);
      System.out.printf("%d pods created in %.1f s%n", pods, (System.nanoTime() - t0) / 1e9);
      Stats fullWall = new Stats("converge_" + pods + "_changed_full_read_wall", "ms");
      Stats fullCpu = new Stats("converge_" + pods + "_changed_full_read_cpu", "ms");
      Stats oneWall = new Stats("converge_" + pods + "_changed_per_pod_wall", "ms");
      Stats oneCpu = new Stats("converge_" + pods + "_changed_per_pod_cpu", "ms");
      for (int round = 1; round <= rounds * 2; round++) {
        boolean perPod = round % 2 == 0;
        DesiredSnapshot changed = snapshot(pods, "v" + round);
        long c0 = os.getProcessCpuTime();
        long w0 = System.nanoTime();
        int done = converge(engine, changed, options, perPod);
        double wall = (System.nanoTime() - w0) / 1e6;
        double cpu = (os.getProcessCpuTime() - c0) / 1e6;
        if (done != pods) {
          throw new IllegalStateException("round " + round + ": " + done + " of " + pods + " pods changed");
        }
        Plan after = new Planner(Clock.systemUTC()).plan(changed.pods(), engine.actual(), options);
        if (after.hasChanges()) {
          throw new IllegalStateException("round " + round + " left changes: " + after.changes().get(0));
        }
        System.out.printf("round %d (%s): %.0f ms wall, %.0f ms CPU%n", round, perPod ? "per pod" : "full read",
            wall, cpu);
        (perPod ? oneWall : fullWall).add(wall);
        (perPod ? oneCpu : fullCpu).add(cpu);
      }
      System.out.println(fullWall.line());
      System.out.println(fullCpu.line());
      System.out.println(oneWall.line());
      System.out.println(oneCpu.line());
      System.out.printf(java.util.Locale.ROOT, "converge_%d_changed_cpu_ratio: %.2f x (full read / per pod)%n", pods,
          fullCpu.median() / oneCpu.median());
    } finally {
      try (var all = Files.walk(home)) {
        all.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  /** Every pod through one pass, as one worker takes them off the queue; returns how many changed. */
  private static int converge(Engine engine, DesiredSnapshot snapshot, PlanOptions options, boolean perPod) {
    int changed = 0;
    Planner planner = new Planner(Clock.systemUTC());
    for (DesiredPod pod : snapshot.pods()) {
      if (perPod) {
        ReconcileResult result = new PodReconciler(engine).reconcile(pod.name(), snapshot, options,
            PodReconciler.ChangeGate.OPEN, ApplyListener.NONE);
        if (!(result instanceof ReconcileResult.Converged converged)) {
          throw new IllegalStateException(pod.name() + ": " + result);
        }
        changed += converged.applied().isPresent() ? 1 : 0;
      } else {
        Plan plan = planner.plan(snapshot.pods(), engine.actual(), options.withTargets(Set.of(pod.name())));
        if (plan.hasChanges()) {
          if (!engine.apply(plan, 1, ApplyListener.NONE).succeeded()) {
            throw new IllegalStateException(pod.name() + " failed");
          }
          changed++;
        }
      }
    }
    return changed;
  }

  private static DesiredSnapshot snapshot(int pods, String version) {
    List<DesiredPod> desired = new ArrayList<>();
    for (int i = 0; i < pods; i++) {
      String text = """
          apiVersion: peapod.dev/v1alpha1
          kind: PeaPod
          metadata: {name: pod-%04d, labels: {app: bench}}
          spec:
            containers:
              - name: main
                image: bench/bb:1
                command: [sh, -c, 'exec sleep 100000']
                env:
                  - {name: VERSION, value: "%s"}
          """.formatted(i, version);
      desired.add(DesiredPod.of(ManifestParser.parse("pods/pod-" + i + ".yaml", text).manifests().get(0)));
    }
    return new DesiredSnapshot(version, desired, List.of());
  }
}
