package dev.peapod.engine.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.manifest.model.PodManifest;
import dev.peapod.plan.Action;
import dev.peapod.plan.ActualPod;
import dev.peapod.plan.ActualState;
import dev.peapod.plan.AppliedRecord;
import dev.peapod.plan.Change;
import dev.peapod.plan.DesiredPod;
import dev.peapod.plan.NormalizedPod;
import dev.peapod.plan.Plan;
import dev.peapod.plan.PlanFile;
import dev.peapod.plan.PlanOptions;
import dev.peapod.plan.PlanRenderer;
import dev.peapod.plan.Planner;
import dev.peapod.provider.PodState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A HyperContainer pod's {@code files[].uri} names a host file whose bytes go into the VM: editing
 * that file changes the pod as editing a ConfigMap does, and the plan says so.
 */
class HostFileHashTest {

  private static final Planner PLANNER = new Planner(Clock.fixed(Instant.parse("2026-12-07T07:00:00Z"), ZoneOffset.UTC));

  @TempDir Path dir;

  private DesiredPod read() throws Exception {
    return DirectorySource.of(List.of(dir)).read().pods().get(0);
  }

  private static ActualPod running(PodManifest appliedFrom) {
    return new ActualPod(appliedFrom.name(), Optional.of(PodState.RUNNING), "", Optional.of(new AppliedRecord(
        appliedFrom.name(), AppliedRecord.MANAGED_BY_APPLY, appliedFrom.origin().file(), Instant.EPOCH,
        NormalizedPod.canonicalTree(appliedFrom), NormalizedPod.of(appliedFrom).hash(), Optional.empty())));
  }

  @Test
  void editingAHostFileOfAHyperContainerPodPlansAReplaceThatSaysWhy() throws Exception {
    Files.writeString(dir.resolve("files.pod"), """
        {
          "id": "hyper-files",
          "containers": [{
            "name": "app", "image": "busybox:1", "command": ["sleep", "1000"],
            "files": [{"filename": "notes", "path": "/srv/notes.txt"}]
          }],
          "files": [{"name": "notes", "uri": "file://notes.txt"}]
        }
        """);
    Files.writeString(dir.resolve("notes.txt"), "first\n");
    DesiredPod before = read();
    assertEquals(before.hash(), read().hash(), "the same file: the same pod");
    Files.writeString(dir.resolve("notes.txt"), "second\n");
    DesiredPod after = read();
    assertNotEquals(before.hash(), after.hash(), "the host file is part of the pod");

    Plan plan = PLANNER.plan(List.of(after), ActualState.of(List.of(running(before.manifest())), "rev-1"),
        PlanOptions.DEFAULT);
    Change change = plan.changes().get(0);
    assertEquals(Action.REPLACE, change.action(), plan::toString);
    String text = new PlanRenderer(false).render(plan);
    assertTrue(text.contains("host file file://notes.txt changed"), text);

    // A saved plan keeps the hashes: its pod is the one it was made for.
    Path saved = dir.resolve("plan.json");
    PlanFile.write(plan, saved);
    assertEquals(after.hash(), PlanFile.read(saved).changes().get(0).desired().orElseThrow().hash());
  }

  @Test
  void aRecordFromBeforeHostFilesWereHashedRestartsNothing() throws Exception {
    Files.writeString(dir.resolve("files.pod"), """
        {
          "id": "hyper-files",
          "containers": [{"name": "app", "image": "busybox:1", "files": [{"filename": "n", "path": "/n"}]}],
          "files": [{"name": "n", "uri": "file://n.txt"}]
        }
        """);
    Files.writeString(dir.resolve("n.txt"), "n\n");
    DesiredPod now = read();
    PodManifest unhashed = dev.peapod.manifest.model.HostFiles.withHashes(now.manifest(), java.util.Map.of());
    Plan plan = PLANNER.plan(List.of(now), ActualState.of(List.of(running(unhashed)), "rev-1"), PlanOptions.DEFAULT);
    assertEquals(List.of(Action.UPDATE), plan.changes().stream().map(Change::action).toList(), plan::toString);
  }
}
