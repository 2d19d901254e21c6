package dev.peapod.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peapod.cli.testing.Peapod;
import dev.peapod.cli.testing.Peapod.Result;
import dev.peapod.cli.testing.Peapod.Running;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * plan and apply end to end: the real {@code ./peapod} against real VMs, over a directory of
 * manifests that the test edits the way a GitOps repository changes. One scenario, in order:
 * create, no-op, add, change env, change image, change memory, stop, delete, stale saved plan,
 * concurrent apply, a crash half way, mass-removal safety.
 */
class PlanApplyIT {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path home;

  private Path pods;
  private Peapod peapod;

  @BeforeEach
  void images() throws Exception {
    peapod = new Peapod(home);
    pods = Files.createDirectories(home.resolve("repo/pods"));
    for (String tag : new String[] {"1", "2"}) {
      Path layout = home.resolve("oci-" + tag);
      Result built = peapod.exec("", List.of(Peapod.REPO.resolve("scripts/busybox-oci.sh").toString(),
          layout.toString(), tag, "image-" + tag), Map.of());
      assertEquals(0, built.exitCode(), built::toString);
      Result load = peapod.run("image", "load", layout.toString(), "--tag", "it/bb:" + tag);
      assertEquals(0, load.exitCode(), load::toString);
    }
  }

  @AfterEach
  void removeEverything() throws Exception {
    for (JsonNode pod : ps().values()) {
      peapod.run("rm", "--force", pod.get("name").asText());
    }
  }

  private void write(String pod, String image, String greeting, String extraSpec) throws Exception {
    Files.writeString(pods.resolve(pod + ".yaml"), """
        apiVersion: peapod.dev/v1alpha1
        kind: PeaPod
        metadata:
          name: %s
        spec:
          containers:
            - name: main
              image: %s
              command: [sh, -c, 'echo "greeting=$GREETING"; exec sleep 100000']
              env:
                - {name: GREETING, value: %s}
        %s""".formatted(pod, image, greeting, extraSpec));
  }

  @Test
  void aDirectoryOfManifestsConvergesStepByStep() throws Exception {
    write("web", "it/bb:1", "hello", "");
    write("worker", "it/bb:1", "hello", "");

    // A new directory: two creates; plan changes nothing and says so with exit 2.
    Result plan = peapod.run("plan", "-f", pods.toString(), "--detailed-exitcode");
    assertEquals(2, plan.exitCode(), plan::toString);
    assertTrue(plan.out().contains("  + web: create, then start  (" + pods.resolve("web.yaml") + ")\n"
        + "      because it does not exist yet\n"), plan::toString);
    assertTrue(plan.out().endsWith("Plan: 2 to create, 0 to start, 0 to replace, 0 to update, 0 to recreate, "
        + "0 to stop, 0 to remove.\n"), plan::toString);
    assertTrue(ps().isEmpty(), "plan changes nothing");

    apply();
    Map<String, JsonNode> running = ps();
    assertEquals("RUNNING", running.get("web").get("state").asText());
    assertEquals("RUNNING", running.get("worker").get("state").asText());
    noChanges(2);

    // Add a pod: only it is planned.
    write("extra", "it/bb:1", "hello", "");
    assertPlan("+ extra: create, then start", "Plan: 1 to create, 0 to start, 0 to replace, 0 to update, "
        + "0 to recreate, 0 to stop, 0 to remove. 2 pods unchanged.");
    apply();
    noChanges(3);

    // Change env: new containers in the same VM.
    String webBoot = bootId("web");
    write("web", "it/bb:1", "bonjour", "");
    Result envPlan = assertPlan("~ web: replace (same VM)", "Plan: 0 to create, 0 to start, 1 to replace, 0 to update, "
        + "0 to recreate, 0 to stop, 0 to remove. 2 pods unchanged.");
    assertTrue(envPlan.out().contains("""
              because env of container "main" changed
                ~ spec.containers[main].env[GREETING]: "hello" -> "bonjour"
        """), envPlan::toString);
    apply();
    assertEquals(webBoot, bootId("web"), "replace keeps the VM");
    assertTrue(logs("web").contains("greeting=bonjour"), "the new container runs");

    // Change the image: also the same VM.
    write("web", "it/bb:2", "bonjour", "");
    Result imagePlan = assertPlan("~ web: replace (same VM)", null);
    assertTrue(imagePlan.out().contains("~ spec.containers[main].image: \"it/bb:1\" -> \"it/bb:2\""), imagePlan::toString);
    apply();
    assertEquals(webBoot, bootId("web"), "an image change keeps the VM");
    Result marker = peapod.run("exec", "web", "--", "cat", "/etc/image-marker");
    assertEquals("image-2\n", marker.out(), marker::toString);

    // Change memory: a new VM, and the plan says why.
    String workerBoot = bootId("worker");
    write("worker", "it/bb:1", "hello", "  vm: {memory: 160Mi}\n");
    Result memoryPlan = assertPlan("-/+ worker: recreate (new VM)", null);
    assertTrue(memoryPlan.out().contains("because VM memory changed (needs a new VM: CPUs and memory are not resized in place)\n"
        + "        ~ spec.vm.memory: \"128Mi\" -> \"160Mi\"\n"), memoryPlan::toString);
    apply();
    assertNotEquals(workerBoot, bootId("worker"));
    assertEquals(160, ps().get("worker").path("memoryMiB").asInt());

    // Stop a pod by declaring it Created.
    write("extra", "it/bb:1", "hello", "  state: Created\n");
    assertPlan("■ extra: stop", null);
    apply();
    assertEquals("CREATED", ps().get("extra").get("state").asText());
    noChanges(3);

    // Delete a manifest: the pod is pruned.
    Files.delete(pods.resolve("worker.yaml"));
    assertPlan("- worker: remove", null);
    apply();
    assertTrue(!ps().containsKey("worker"));
    noChanges(2);
  }

  @Test
  void aStalePlanIsRefusedAndAConcurrentApplyWaitsForNone() throws Exception {
    write("web", "it/bb:1", "hello", "");
    apply();
    write("late", "it/bb:1", "hello", "");
    Path saved = home.resolve("late.plan");
    Result plan = peapod.run("plan", "-f", pods.toString(), "-out", saved.toString());
    assertEquals(0, plan.exitCode(), plan::toString);
    assertTrue(plan.out().contains("To apply exactly these changes: peapod apply " + saved), plan::toString);

    // Someone stops web by hand: the saved plan no longer describes the pods.
    assertEquals(0, peapod.run("stop", "web").exitCode());
    Result stale = peapod.run("apply", saved.toString());
    assertEquals(1, stale.exitCode(), stale::toString);
    assertTrue(stale.err().contains("Saved plan is stale: the pods changed since it was made"), stale::toString);
    assertTrue(!ps().containsKey("late"), "nothing of a stale plan is applied");

    // While a saved plan is being applied (held in the middle: a restored VM starts in well under
    // the second JVM's start-up, so waiting for progress output would race), a second apply is
    // refused naming the holder; the next apply after the holder is killed converges.
    Result again = peapod.run("plan", "-f", pods.toString(), "-out", saved.toString());
    assertTrue(again.out().contains("> web: start"), again::toString);
    Process first = peapod.pausedAt("before-containers", "apply", saved.toString());
    Result second = peapod.run("apply", "-f", pods.toString(), "-auto-approve");
    assertEquals(4, second.exitCode(), second::toString);
    assertTrue(second.err().matches("(?s)peapod: the apply lock is locked by pid " + first.pid()
        + " \\(peapod apply " + java.util.regex.Pattern.quote(saved.toString()) + "\\) since .*"), second::toString);
    first.destroyForcibly().waitFor();
    Result repair = peapod.run("apply", "-f", pods.toString(), "-auto-approve");
    assertEquals(0, repair.exitCode(), repair::toString);
    noChanges(2);
  }

  @Test
  void aCrashHalfWayIsRepairedByTheNextApply() throws Exception {
    for (String pod : new String[] {"c1", "c2", "c3"}) {
      write(pod, "it/bb:1", "hello", "");
    }
    Running apply = peapod.start("apply", "-f", pods.toString(), "-auto-approve", "--parallelism", "1");
    apply.awaitOutput("booting...");
    apply.kill(); // kill -9 in the middle of the first pod's boot

    Result plan = peapod.run("plan", "-f", pods.toString());
    assertTrue(plan.out().contains("because the last apply did not finish its create"), plan::toString);
    Result repaired = peapod.run("apply", "-f", pods.toString(), "-auto-approve");
    assertEquals(0, repaired.exitCode(), repaired::toString);
    noChanges(3);
    assertEquals(3, qemuProcessesOfThisHome(), "one VM per pod, no orphan from the killed apply");

    // An interrupt (Ctrl-C or SIGTERM) lets the change under way finish and starts no new one.
    write("c4", "it/bb:1", "hello", "");
    write("c5", "it/bb:1", "hello", "");
    Running interrupted = peapod.start("apply", "-f", pods.toString(), "-auto-approve", "--parallelism", "1");
    interrupted.awaitOutput("booting...");
    interrupted.terminate(); // SIGTERM: the same shutdown path as SIGINT
    Result stopped = interrupted.finish();
    assertEquals(143, stopped.exitCode(), stopped::toString);
    assertTrue(stopped.err().contains("Interrupted: no new changes start; waiting for the ones under way to finish"),
        stopped::toString);
    assertTrue(stopped.out().contains("Apply failed: 0 of 2 changes failed, 1 not started; done: 1 created"),
        stopped::toString);
    Result rest = peapod.run("plan", "-f", pods.toString());
    assertTrue(rest.out().contains("Plan: 1 to create, 0 to start") && rest.out().contains("4 pods unchanged"),
        rest::toString);
    apply();
    for (String pod : new String[] {"c4", "c5"}) {
      Files.delete(pods.resolve(pod + ".yaml"));
    }
    assertPlan("- c4: remove", null);
    apply();

    // An empty directory never removes everything silently.
    for (String pod : new String[] {"c1", "c2", "c3"}) {
      Files.delete(pods.resolve(pod + ".yaml"));
    }
    Result refused = peapod.run("apply", "-f", pods.toString(), "-auto-approve");
    assertEquals(1, refused.exitCode(), refused::toString);
    assertTrue(refused.out().contains("Error: this plan removes every pod dir:" + pods.toAbsolutePath().normalize()
        + " owns (3 of 3); if that is intended, plan again with --allow-mass-removal"), refused::toString);
    assertEquals(3, ps().size());
    Result removed = peapod.run("apply", "-f", pods.toString(), "-auto-approve", "--allow-mass-removal");
    assertEquals(0, removed.exitCode(), removed::toString);
    assertTrue(ps().isEmpty());
    assertEquals(0, qemuProcessesOfThisHome());
  }

  @Test
  void podsRunByHandArePlannedAgainstWhatTheyRanAndNeverPruned() throws Exception {
    write("web", "it/bb:1", "hello", "");
    Result run = peapod.run("run", "-f", pods.resolve("web.yaml").toString());
    assertEquals(0, run.exitCode(), run::toString);
    noChanges(1);

    write("web", "it/bb:1", "hallo", "");
    assertPlan("~ web: replace (same VM)", null);
    Result replace = peapod.run("replace", "web", "-f", pods.resolve("web.yaml").toString());
    assertEquals(0, replace.exitCode(), replace::toString);
    noChanges(1);

    Files.delete(pods.resolve("web.yaml"));
    write("other", "it/bb:1", "hello", "  state: Created\n");
    Result plan = peapod.run("plan", "-f", pods.toString());
    assertTrue(plan.out().contains("+ other: create (stays Created)"), plan::toString);
    assertTrue(!plan.out().contains("web"), "a pod made by hand is never pruned: " + plan);
  }

  private void apply() throws Exception {
    Result apply = peapod.run("apply", "-f", pods.toString(), "-auto-approve");
    assertEquals(0, apply.exitCode(), apply::toString);
    assertTrue(apply.out().contains("Apply complete: "), apply::toString);
  }

  private void noChanges(int pods) throws Exception {
    Result plan = peapod.run("plan", "-f", this.pods.toString(), "--detailed-exitcode");
    assertEquals(0, plan.exitCode(), plan::toString);
    assertEquals("No changes. " + (pods == 1 ? "1 pod matches its manifest" : pods + " pods match their manifests")
        + ".\n", plan.out());
  }

  private Result assertPlan(String line, String summary) throws Exception {
    Result plan = peapod.run("plan", "-f", pods.toString(), "--detailed-exitcode");
    assertEquals(2, plan.exitCode(), plan::toString);
    assertTrue(plan.out().contains("\n  " + line + "  (") || plan.out().contains("\n  " + line + "\n"),
        plan::toString);
    if (summary != null) {
      assertTrue(plan.out().endsWith(summary + "\n"), plan::toString);
    }
    return plan;
  }

  private Map<String, JsonNode> ps() throws Exception {
    Result ps = peapod.run("ps", "-o", "json");
    assertEquals(0, ps.exitCode(), ps::toString);
    Map<String, JsonNode> byName = new TreeMap<>();
    JSON.readTree(ps.out()).forEach(p -> byName.put(p.get("name").asText(), p));
    return byName;
  }

  private String bootId(String pod) throws Exception {
    return ps().get(pod).get("vm").get("bootId").asText();
  }

  private String logs(String pod) throws Exception {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
    String out;
    do {
      out = peapod.run("logs", pod).out();
    } while (!out.contains("greeting=") && Instant.now().isBefore(deadline));
    return out;
  }

  /**
   * The QEMUs of this home's pods: those a pod's vm.json names, and those launched in a pod's
   * directory (an orphan of a killed start). Not the warm pool's waiting VMs or a template builder's
   * VM, which this home's keeper and builder run beside the pods, and nothing of another home (a
   * home whose path starts with this one's included).
   */
  private long qemuProcessesOfThisHome() throws Exception {
    java.util.Set<Long> pids = new java.util.TreeSet<>();
    String podDirs = home.resolve("pods") + "/";
    ProcessHandle.allProcesses()
        .filter(p -> p.info().commandLine().map(c -> c.contains("qemu-system") && c.contains(podDirs)).orElse(false))
        .forEach(p -> pids.add(p.pid()));
    if (Files.isDirectory(home.resolve("pods"))) {
      try (var dirs = Files.list(home.resolve("pods"))) {
        for (Path vm : dirs.map(d -> d.resolve("vm.json")).filter(Files::isRegularFile).toList()) {
          long pid = JSON.readTree(vm.toFile()).path("pid").asLong();
          if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            pids.add(pid);
          }
        }
      }
    }
    return pids.size();
  }
}
