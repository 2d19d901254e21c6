package dev.peapod.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.apply.AppliedRecordStore;
import dev.peapod.apply.ApplyListener;
import dev.peapod.engine.source.DesiredSnapshot;
import dev.peapod.manifest.ManifestParser;
import dev.peapod.plan.Action;
import dev.peapod.plan.AppliedRecord;
import dev.peapod.plan.DesiredPod;
import dev.peapod.plan.NormalizedPod;
import dev.peapod.plan.PlanOptions;
import dev.peapod.provider.ExecSession;
import dev.peapod.provider.ExecSpec;
import dev.peapod.provider.LogQuery;
import dev.peapod.provider.LogRecord;
import dev.peapod.provider.PodNotFoundException;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.PodState;
import dev.peapod.provider.PodStatus;
import dev.peapod.provider.Provider;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pass of {@link PodReconciler} reads its own pod's state, not every pod's: converging N pods
 * costs N reads, not N x N. Only a removal, whose prune guards count the pods its owner has, is
 * planned against every pod.
 */
class PodReconcilerReadsTest {

  private static final String OWNER = "dir:/pods";

  @TempDir
  Path home;

  private final Inventory provider = new Inventory();
  private Engine engine;
  private final List<DesiredPod> declared = new ArrayList<>();

  @BeforeEach
  void threeCreatedPodsWithRecords() {
    engine = new Engine(provider, home, () -> {
      throw new AssertionError("no image is needed");
    }, Engine.fileLocks(home, "test"), Clock.systemUTC());
    for (String name : List.of("a", "b", "c")) {
      DesiredPod pod = DesiredPod.of(ManifestParser.parse("pods/" + name + ".yaml", """
          apiVersion: peapod.dev/v1alpha1
          kind: PeaPod
          metadata: {name: %s}
          spec:
            state: Created
            containers: [{name: main, image: busybox:1}]
          """.formatted(name)).manifests().get(0));
      declared.add(pod);
      provider.pods.put(name, new PodStatus(name, PodState.CREATED, PodSpec.of(name, List.of()), Instant.EPOCH,
          Optional.empty(), List.of(), ""));
      AppliedRecordStore.in(home).write(new AppliedRecord(name, OWNER, "pods/" + name + ".yaml", Instant.EPOCH,
          NormalizedPod.canonicalTree(pod.manifest()), pod.normalized().hash(), Optional.empty()));
    }
  }

  private static PlanOptions options() {
    return new PlanOptions(Set.of(), false, PlanOptions.DEFAULT_MAX_REMOVALS, OWNER, false);
  }

  @Test
  void aPassOverAnUnchangedPodReadsThatPodAlone() {
    ReconcileResult result = new PodReconciler(engine).reconcile("b", new DesiredSnapshot("r1", declared, List.of()),
        options(), PodReconciler.ChangeGate.OPEN, ApplyListener.NONE);

    assertEquals(new ReconcileResult.Converged("b", Optional.empty()), result);
    assertEquals(0, provider.inventories.get(), "no read of every pod");
    assertEquals(List.of("b"), provider.lookedAt);
  }

  @Test
  void aRemovalCountsEveryPodItsOwnerHasForThePruneGuard() {
    // One of the owner's three pods is no longer declared: removed, not refused as "every pod it owns".
    ReconcileResult result = new PodReconciler(engine).reconcile("b",
        new DesiredSnapshot("r2", List.of(declared.get(0), declared.get(2)), List.of()), options(),
        PodReconciler.ChangeGate.OPEN, ApplyListener.NONE);

    ReconcileResult.Converged converged = assertInstanceOf(ReconcileResult.Converged.class, result);
    assertEquals(Action.REMOVE, converged.applied().orElseThrow().action());
    assertEquals(1, provider.inventories.get(), "the guard's count comes from a read of every pod");
    assertTrue(!provider.pods.containsKey("b") && provider.pods.containsKey("a") && provider.pods.containsKey("c"));
  }

  /** Pods in memory that count how they are read: all at once, or one by one. */
  private static final class Inventory implements Provider {
    final Map<String, PodStatus> pods = new ConcurrentSkipListMap<>();
    final AtomicInteger inventories = new AtomicInteger();
    final List<String> lookedAt = new ArrayList<>();

    @Override
    public String name() {
      return "inventory";
    }

    @Override
    public List<PodStatus> inventory() {
      inventories.incrementAndGet();
      return List.copyOf(pods.values());
    }

    @Override
    public Optional<PodStatus> inventoryOf(String pod) {
      lookedAt.add(pod);
      return Optional.ofNullable(pods.get(pod));
    }

    @Override
    public List<PodStatus> list() {
      return inventory();
    }

    @Override
    public Optional<PodStatus> inspect(String pod) {
      return Optional.ofNullable(pods.get(pod));
    }

    @Override
    public void remove(String pod, Duration grace) {
      if (pods.remove(pod) == null) {
        throw new PodNotFoundException(pod);
      }
    }

    @Override
    public PodStatus create(PodSpec spec) {
      throw new UnsupportedOperationException("create");
    }

    @Override
    public PodStatus start(String pod) {
      throw new UnsupportedOperationException("start");
    }

    @Override
    public PodStatus replace(String pod, PodSpec spec) {
      throw new UnsupportedOperationException("replace");
    }

    @Override
    public PodStatus stop(String pod, Duration grace) {
      throw new UnsupportedOperationException("stop");
    }

    @Override
    public Stream<LogRecord> logs(String pod, LogQuery query) {
      return Stream.empty();
    }

    @Override
    public ExecSession exec(String pod, ExecSpec spec) {
      throw new UnsupportedOperationException("exec");
    }

    @Override
    public void close() {}
  }
}
