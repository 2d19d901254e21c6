package dev.peapod.plan;

import static dev.peapod.plan.Pods.actual;
import static dev.peapod.plan.Pods.desired;
import static dev.peapod.plan.Pods.manifest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.manifest.model.PodManifest;
import dev.peapod.provider.PodState;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The plan text, compared exactly with colour off. */
class PlanRendererTest {

  static final Planner PLANNER = new Planner(Clock.fixed(Instant.parse("2026-11-23T12:00:00Z"), ZoneOffset.UTC));

  static PodManifest pod(String name, String image, String extra) {
    return manifest(name, """
          containers:
            - name: app
              image: %s
              env:
                - {name: LOG, value: info}
        """.formatted(image) + extra);
  }

  /** One pod per action, and one unchanged. */
  static Plan everyAction() {
    List<DesiredPod> desired = List.of(
        desired(pod("api", "api:2", "")),
        desired(pod("batch", "batch:1", "  state: Created\n")),
        desired(pod("cache", "cache:1", "")),
        desired(pod("db", "db:1", "  vm: {memory: 256Mi}\n")),
        desired(pod("new", "new:1", "")),
        desired(pod("same", "same:1", "")));
    ActualState actual = ActualState.of(List.of(
        actual(pod("api", "api:1", ""), PodState.RUNNING),
        actual(pod("batch", "batch:1", "  state: Created\n"), PodState.RUNNING),
        actual(pod("cache", "cache:1", ""), PodState.CREATED),
        actual(pod("db", "db:1", ""), PodState.RUNNING),
        actual(pod("old", "old:1", ""), PodState.RUNNING),
        actual(pod("same", "same:1", ""), PodState.RUNNING)), "rev");
    return PLANNER.plan(desired, actual, PlanOptions.DEFAULT);
  }

  @Test
  void rendersEveryActionWithReasonsAndDiff() {
    assertEquals("""
        Peapod will perform these actions:

          ~ api: replace (same VM)  (pods/api.yaml)
              because image of container "app" changed
                ~ spec.containers[app].image: "api:1" -> "api:2"

          ■ batch: stop  (pods/batch.yaml)
              because its manifest wants it Created

          > cache: start  (pods/cache.yaml)
              because it is Created and its manifest wants it Running

          -/+ db: recreate (new VM)  (pods/db.yaml)
              because VM memory changed (needs a new VM: CPUs and memory are not resized in place)
                ~ spec.vm.memory: "128Mi" -> "256Mi"

          + new: create, then start  (pods/new.yaml)
              because it does not exist yet

          - old: remove
              because no manifest declares it any more

        Plan: 1 to create, 1 to start, 1 to replace, 0 to update, 1 to recreate, 1 to stop, 1 to remove. 1 pod unchanged.
        """, new PlanRenderer(false).render(everyAction()));
  }

  @Test
  void noChangesSaysSo() {
    PodManifest same = pod("same", "same:1", "");
    Plan plan = PLANNER.plan(List.of(desired(same)), ActualState.of(List.of(actual(same, PodState.RUNNING)), "r"),
        PlanOptions.DEFAULT);
    assertEquals("No changes. 1 pod matches its manifest.\n", new PlanRenderer(false).render(plan));
  }

  @Test
  void refusalAndWarningsAreShown() {
    PodManifest old = pod("old", "old:1", "");
    Plan plan = PLANNER.plan(List.of(), ActualState.of(List.of(actual(old, PodState.RUNNING)), "r"),
        PlanOptions.DEFAULT.withTargets(java.util.Set.of("old")));
    assertEquals("""
        Peapod will perform these actions:

          - old: remove
              because no manifest declares it any more

        Warning: only the targeted pods were planned; the others may differ from their manifests

        Plan: 0 to create, 0 to start, 0 to replace, 0 to update, 0 to recreate, 0 to stop, 1 to remove.

        Error: this plan removes every pod apply owns (1 of 1); if that is intended, plan again with --allow-mass-removal
        """, new PlanRenderer(false).render(plan));
  }

  @Test
  void colourOnlyWhenAsked() {
    String coloured = new PlanRenderer(true).render(everyAction());
    assertTrue(coloured.contains("\u001b[32m+\u001b[0m \u001b[1mnew\u001b[0m"), coloured);
    assertTrue(new PlanRenderer(false).render(everyAction()).chars().noneMatch(c -> c == 0x1b));
  }
}
