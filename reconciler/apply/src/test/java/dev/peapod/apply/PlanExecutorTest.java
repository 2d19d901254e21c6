package dev.peapod.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.manifest.ManifestParser;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.plan.Action;
import dev.peapod.plan.AppliedRecord;
import dev.peapod.plan.Change;
import dev.peapod.plan.DesiredPod;
import dev.peapod.plan.Plan;
import dev.peapod.plan.PlanOptions;
import dev.peapod.plan.Planner;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.PodState;
import dev.peapod.provider.ProviderException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Plan, apply through a fake provider, plan again: the cycle the CLI and the controller run. */
class PlanExecutorTest {

  @TempDir
  Path home;

  private FakeProvider provider;
  private AppliedRecordStore records;
  private final Planner planner = new Planner();

  @BeforeEach
  void setUp() {
    provider = new FakeProvider();
    records = AppliedRecordStore.in(home);
  }

  static PodManifest pod(String name, String image, String extra) {
    String text = "apiVersion: peapod.dev/v1alpha1\nkind: PeaPod\nmetadata:\n  name: " + name
        + "\nspec:\n  containers:\n    - {name: app, image: \"" + image + "\"}\n" + extra;
    return ManifestParser.parse("pods/" + name + ".yaml", text).manifests().get(0);
  }

  private Plan plan(PodManifest... pods) {
    List<DesiredPod> desired = new ArrayList<>();
    for (PodManifest m : pods) {
      desired.add(DesiredPod.of(m));
    }
    return planner.plan(desired, new ActualStateReader(provider, records).read(),
        PlanOptions.DEFAULT.withAllowMassRemoval(true));
  }

  private PlanExecutor executor(int parallelism, ApplyListener listener) {
    return new PlanExecutor(provider, records, (m, progress) -> PodSpec.of(m.name(), List.of()), PodLocks.NONE,
        parallelism, listener, Clock.systemUTC());
  }

  private ApplyResult apply(Plan plan) {
    return executor(2, ApplyListener.NONE).apply(plan);
  }

  private static List<String> actions(Plan plan) {
    return plan.changes().stream().map(c -> c.action().verb() + " " + c.pod()).toList();
  }

  @Test
  void applyThenPlanAgainFindsNothing() {
    ApplyResult result = apply(plan(pod("a", "x:1", ""), pod("b", "x:1", "  state: Created\n")));
    assertTrue(result.succeeded(), result::summary);
    assertEquals("Apply complete: 2 created, 0 started, 0 replaced, 0 updated, 0 recreated, 0 stopped, 0 removed.",
        result.summary());
    assertEquals(List.of("create a", "create b", "start a"), provider.calls().stream().sorted().toList());
    assertEquals(PodState.CREATED, provider.state("b").orElseThrow());
    assertFalse(plan(pod("a", "x:1", ""), pod("b", "x:1", "  state: Created\n")).hasChanges());
  }

  @Test
  void eachActionCallsTheProvider() {
    apply(plan(pod("a", "x:1", ""), pod("b", "x:1", ""), pod("c", "x:1", ""), pod("d", "x:1", ""),
        pod("e", "x:1", "")));
    provider.stop("e", Duration.ZERO);
    Plan plan = plan(pod("a", "x:2", ""), pod("b", "x:1", "  vm: {memory: 256Mi}\n"),
        pod("c", "x:1", "  state: Created\n"), pod("e", "x:1", ""));
    assertEquals(List.of("replace a", "recreate b", "stop c", "remove d", "start e"), actions(plan));
    int before = provider.calls().size();
    assertTrue(apply(plan).succeeded());
    List<String> calls = provider.calls().subList(before, provider.calls().size());
    assertEquals(List.of("remove b", "create b", "start b"),
        calls.stream().filter(c -> c.endsWith(" b")).toList(), "recreate is remove, create, start in order");
    assertTrue(calls.indexOf("stop c") < calls.indexOf("replace a") && calls.indexOf("remove d") < calls.indexOf("start e"),
        "stops and removals run first: " + calls);
    assertTrue(calls.containsAll(List.of("replace a", "start e")));
    assertFalse(records.read("d").isPresent(), "a removed pod's record goes too");
    assertFalse(plan(pod("a", "x:2", ""), pod("b", "x:1", "  vm: {memory: 256Mi}\n"),
        pod("c", "x:1", "  state: Created\n"), pod("e", "x:1", "")).hasChanges());
  }

  @Test
  void aFailingPodDoesNotStopTheOthersAndTheNextApplyRepairsOnlyIt() {
    provider.failOn("start b", new ProviderException("b", "guest did not answer"));
    ApplyResult result = apply(plan(pod("a", "x:1", ""), pod("b", "x:1", ""), pod("c", "x:1", "")));
    assertFalse(result.succeeded());
    assertEquals(1, result.failures().size());
    assertEquals("pod \"b\": guest did not answer", result.failures().get(0).error());
    assertTrue(result.summary().startsWith("Apply failed: 1 of 3 changes failed; done: 2 created"), result.summary());

    Plan repair = plan(pod("a", "x:1", ""), pod("b", "x:1", ""), pod("c", "x:1", ""));
    assertEquals(List.of("recreate b"), actions(repair));
    assertEquals("the last apply did not finish its create", repair.changes().get(0).reasons().get(0).text()
        .replaceAll(" \\(started .*\\)", ""));
    int before = provider.calls().size();
    assertTrue(apply(repair).succeeded());
    assertEquals(List.of("remove b", "create b", "start b"), provider.calls().subList(before, provider.calls().size()));
  }

  @Test
  void replaceThatNeedsANewVmChangesNothingAndTheNextPlanRecreates() {
    apply(plan(pod("a", "x:1", "")));
    provider.failOn("replace a", FakeProvider.recreateRequired("a"));
    ApplyResult result = apply(plan(pod("a", "x:2", "")));
    assertEquals(1, result.failures().size());
    assertTrue(result.failures().get(0).error().endsWith("nothing was changed, and the next plan recreates the pod"),
        result.failures().get(0).error());
    assertEquals(List.of("recreate a"), actions(plan(pod("a", "x:2", ""))));
  }

  @Test
  void parallelismIsBounded() {
    provider.slow(Duration.ofMillis(100));
    List<PodManifest> pods = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      pods.add(pod("p" + i, "x:1", "  state: Created\n"));
    }
    executor(3, ApplyListener.NONE).apply(plan(pods.toArray(PodManifest[]::new)));
    assertEquals(3, provider.maxConcurrentCalls());
  }

  @Test
  void interruptStartsNothingNewAndLeavesKnownStates() {
    provider.slow(Duration.ofMillis(50));
    List<PodManifest> pods = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      pods.add(pod("p" + i, "x:1", ""));
    }
    List<String> finished = new CopyOnWriteArrayList<>();
    PlanExecutor[] executor = new PlanExecutor[1];
    executor[0] = executor(1, new ApplyListener() {
      @Override
      public void finished(Outcome outcome) {
        finished.add(outcome.change().pod() + " " + outcome.status());
        executor[0].interrupt(); // Ctrl-C after the first pod
      }
    });
    ApplyResult result = executor[0].apply(plan(pods.toArray(PodManifest[]::new)));
    assertEquals(1, result.outcomes().stream().filter(o -> o.status() == Outcome.Status.DONE).count());
    assertEquals(5, result.notStarted().size());
    assertEquals("Apply failed: 0 of 6 changes failed, 5 not started; done: 1 created, 0 started, 0 replaced, "
        + "0 updated, 0 recreated, 0 stopped, 0 removed.", result.summary());
    assertEquals(PodState.RUNNING, provider.state("p0").orElseThrow());
    Plan rest = plan(pods.toArray(PodManifest[]::new));
    assertEquals(5, rest.changes().size(), "the rest is still to do");
    assertTrue(rest.changes().stream().allMatch(c -> c.action() == Action.CREATE));
  }

  @Test
  void recordsSayWhoManagesAPod() {
    apply(plan(pod("a", "x:1", "")));
    AppliedRecord record = records.read("a").orElseThrow();
    assertEquals(AppliedRecord.MANAGED_BY_APPLY, record.managedBy());
    assertEquals("pods/a.yaml", record.source());
    assertTrue(record.pending().isEmpty());
  }

  @Test
  void stalePlanIsRefused() {
    Plan plan = plan(pod("a", "x:1", ""));
    String now = new ActualStateReader(provider, records).read().revision();
    PlanExecutor.checkFresh(plan, now);
    provider.set("intruder", PodState.RUNNING);
    String later = new ActualStateReader(provider, records).read().revision();
    StalePlanException e = assertThrows(StalePlanException.class, () -> PlanExecutor.checkFresh(plan, later));
    assertTrue(e.getMessage().startsWith("Saved plan is stale: the pods changed since it was made"), e.getMessage());
  }

  @Test
  void aRefusedPlanIsNeverApplied() {
    apply(plan(pod("a", "x:1", "")));
    Plan removeAll = planner.plan(List.of(), new ActualStateReader(provider, records).read(), PlanOptions.DEFAULT);
    assertThrows(IllegalArgumentException.class, () -> apply(removeAll));
    assertEquals(PodState.RUNNING, provider.state("a").orElseThrow());
  }

  @Test
  void progressNamesTheSteps() {
    List<String> steps = new CopyOnWriteArrayList<>();
    executor(1, new ApplyListener() {
      @Override
      public void step(Change change, String what) {
        steps.add(change.pod() + ": " + what);
      }
    }).apply(plan(pod("a", "x:1", "")));
    assertEquals(List.of("a: preparing images", "a: creating", "a: booting"), steps);
  }
}
