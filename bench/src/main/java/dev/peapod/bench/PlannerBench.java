package dev.peapod.bench;

import dev.peapod.manifest.ManifestParser;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The planner on N unchanged pods (each applied earlier, running, and declared again), in
 * process: manifests already parsed, records already read, as in a controller loop.
 *
 * <ul>
 *   <li>{@code plan}: what {@code peapod plan} computes: normalise and hash every desired pod,
 *       compare with each pod's recorded hash, decide.
 *   <li>{@code planFromYaml}: the same, plus parsing the N manifest texts.
 *   <li>{@code baselineFullDiff}: the baseline: a field-by-field diff of every pod's applied tree
 *       (read back from its record) against the desired one, which is what the planner does when
 *       hashes differ, and what a planner without the hash short cut would do for every pod.
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PlannerBench {

  @Param({"1000"})
  int pods;

  private List<String> texts;
  private List<PodManifest> manifests;
  private ActualState actual;
  private final Planner planner = new Planner();

  /** A realistic pod: two containers, env, ports, a volume, labels. */
  static String manifest(int i) {
    return """
        apiVersion: peapod.dev/v1alpha1
        kind: PeaPod
        metadata:
          name: pod-%d
          labels: {app: web, tier: front, index: "%d"}
        spec:
          containers:
            - name: web
              image: registry.example:5000/team/web:1.%d
              command: [httpd, -f, -p, "8080"]
              env:
                - {name: LOG_LEVEL, value: info}
                - {name: INDEX, value: "%d"}
              ports:
                - {containerPort: 8080, hostPort: %d}
              volumeMounts:
                - {name: shared, mountPath: /srv}
              resources:
                limits: {memory: 64Mi, cpu: 500m}
            - name: sidecar
              image: registry.example:5000/team/fetcher:2
              args: [--interval, 5s]
              volumeMounts:
                - {name: shared, mountPath: /data, readOnly: true}
          volumes:
            - {name: shared, emptyDir: {sizeLimit: 16Mi}}
        """.formatted(i, i, i % 10, i, 20000 + i);
  }

  @Setup
  public void setUp() {
    texts = new ArrayList<>();
    manifests = new ArrayList<>();
    List<ActualPod> actualPods = new ArrayList<>();
    for (int i = 0; i < pods; i++) {
      String text = manifest(i);
      texts.add(text);
      PodManifest m = ManifestParser.parse("pods/pod-" + i + ".yaml", text).manifests().get(0);
      manifests.add(m);
      // The record as the store reads it back: a plain JSON tree, not the normalised one.
      AppliedRecord record = new AppliedRecord(m.name(), AppliedRecord.MANAGED_BY_APPLY, "pods/pod-" + i + ".yaml",
          Instant.EPOCH, Json.roundTrip(NormalizedPod.canonicalTree(m)), NormalizedPod.of(m).hash(), Optional.empty());
      actualPods.add(new ActualPod(m.name(), Optional.of(PodState.RUNNING), "", Optional.of(record)));
    }
    actual = ActualState.of(actualPods, "rev");
    Plan check = plan();
    if (check.hasChanges() || check.unchanged() != pods) {
      throw new IllegalStateException("the benchmark's pods are not unchanged: " + check.changes());
    }
  }

  @Benchmark
  public Plan plan() {
    List<DesiredPod> desired = new ArrayList<>(manifests.size());
    for (PodManifest m : manifests) {
      desired.add(DesiredPod.of(m));
    }
    return planner.plan(desired, actual, PlanOptions.DEFAULT);
  }

  @Benchmark
  public Plan planFromYaml() {
    List<DesiredPod> desired = new ArrayList<>(texts.size());
    for (int i = 0; i < texts.size(); i++) {
      desired.add(DesiredPod.of(ManifestParser.parse("pods/pod-" + i + ".yaml", texts.get(i)).manifests().get(0)));
    }
    return planner.plan(desired, actual, PlanOptions.DEFAULT);
  }

  @Benchmark
  public int baselineFullDiff() {
    int same = 0;
    for (PodManifest m : manifests) {
      ActualPod pod = actual.pods().get(m.name());
      NormalizedPod applied = pod.record().orElseThrow().normalized().orElseThrow();
      if (applied.tree().equals(NormalizedPod.of(m).tree())) {
        same++;
      }
    }
    return same;
  }
}
