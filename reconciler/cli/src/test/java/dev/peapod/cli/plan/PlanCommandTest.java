package dev.peapod.cli.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peapod.cli.ExitCodes;
import dev.peapod.cli.testing.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** plan and apply in process, where no VM is needed: inputs, refusals, output formats, exit codes. */
class PlanCommandTest {

  @TempDir
  Path home;

  private Path pods() throws Exception {
    Path dir = Files.createDirectories(home.resolve("pods"));
    Files.writeString(dir.resolve("web.yaml"), """
        apiVersion: peapod.dev/v1alpha1
        kind: PeaPod
        metadata: {name: web}
        spec:
          containers: [{name: web, image: "web:1"}]
        """);
    return dir;
  }

  @Test
  void planOfANewPodShowsACreateAndExits2WithDetailedExitCode() throws Exception {
    Path pods = pods();
    CliRun plan = CliRun.run(home, "plan", "-f", pods.toString(), "-detailed-exitcode");
    assertEquals(2, plan.exitCode(), plan::toString);
    assertEquals("""
        Peapod will perform these actions:

          + web: create, then start  (%s)
              because it does not exist yet

        Plan: 1 to create, 0 to start, 0 to replace, 0 to update, 0 to recreate, 0 to stop, 0 to remove.
        """.formatted(pods.resolve("web.yaml")), plan.out());
    assertEquals(0, CliRun.run(home, "plan", "-f", pods.toString()).exitCode(), "without the flag: 0");
    assertFalse(Files.exists(home.resolve("pods/web")), "plan changes nothing");
  }

  @Test
  void planJsonIsTheDocumentedShape() throws Exception {
    CliRun plan = CliRun.run(home, "plan", "-f", pods().toString(), "--json");
    assertEquals(0, plan.exitCode(), plan::toString);
    JsonNode json = new ObjectMapper().readTree(plan.out());
    assertEquals("1", json.get("formatVersion").asText());
    assertEquals("create", json.get("changes").get(0).get("action").asText());
    assertEquals(1, json.get("summary").get("create").asInt());
  }

  @Test
  void invalidManifestsAreAllReportedBeforeAnythingRuns() throws Exception {
    Path pods = pods();
    Files.writeString(pods.resolve("bad.yaml"), """
        apiVersion: peapod.dev/v1alpha1
        kind: PeaPod
        metadata: {name: Bad_Name}
        spec:
          containers: [{name: web, image: "web:1", colour: blue}]
        """);
    Files.createDirectories(pods.resolve("sub"));
    Files.writeString(pods.resolve("sub/dup.yaml"), Files.readString(pods.resolve("web.yaml")));
    CliRun plan = CliRun.run(home, "plan", "-f", pods.toString());
    assertEquals(ExitCodes.ERROR, plan.exitCode(), plan::toString);
    assertTrue(plan.err().contains(pods.resolve("bad.yaml") + ":3:18: metadata.name: invalid name \"Bad_Name\""), plan::toString);
    assertTrue(plan.err().contains(pods.resolve("bad.yaml") + ":5:44: spec.containers[0].colour: unknown field"),
        plan::toString);
    assertTrue(plan.err().contains("duplicate pod name \"web\" (also declared at " + pods.resolve("sub/dup.yaml")), plan::toString);
    assertEquals("", plan.out());
  }

  /**
   * The manifests are read before the actual state, and their errors are the ones reported. (Reading
   * the two side by side, on two threads, was tried and made a plan of 1,000 pods slower under
   * load: bench/RESULTS.md, session 8; this pins the order should it be tried again.)
   */
  @Test
  void aManifestErrorIsReportedBeforeAnActualStateThatCannotBeRead() throws Exception {
    Path manifests = Files.createDirectories(home.resolve("manifests"));
    Files.writeString(manifests.resolve("bad.yaml"), """
        apiVersion: peapod.dev/v1alpha1
        kind: PeaPod
        metadata: {name: Bad_Name}
        spec:
          containers: [{name: web, image: "web:1"}]
        """);
    Files.writeString(home.resolve("pods"), "not the provider's directory"); // its state cannot be read
    CliRun plan = CliRun.run(home, "plan", "-f", manifests.toString());
    assertEquals(ExitCodes.ERROR, plan.exitCode(), plan::toString);
    assertTrue(plan.err().startsWith(manifests.resolve("bad.yaml") + ":3:18: metadata.name: invalid name \"Bad_Name\""),
        plan::toString);
    assertFalse(plan.err().contains("cannot make"), plan::toString);
    assertEquals("", plan.out());

    Files.delete(manifests.resolve("bad.yaml"));
    Files.writeString(manifests.resolve("web.yaml"), """
        apiVersion: peapod.dev/v1alpha1
        kind: PeaPod
        metadata: {name: web}
        spec:
          containers: [{name: web, image: "web:1"}]
        """);
    CliRun unreadable = CliRun.run(home, "plan", "-f", manifests.toString());
    assertEquals(ExitCodes.ERROR, unreadable.exitCode(), unreadable::toString);
    assertEquals("peapod: cannot make " + home + " private: " + home.resolve("pods") + ": " + home.resolve("pods") + "\n",
        unreadable.err());
    assertEquals("", unreadable.out());
  }

  @Test
  void applyWithoutATerminalRefusesToAsk() throws Exception {
    CliRun apply = CliRun.run(home, "apply", "-f", pods().toString());
    assertEquals(ExitCodes.ERROR, apply.exitCode(), apply::toString);
    assertEquals("peapod: apply asks for confirmation but there is no terminal to ask on; pass -auto-approve, "
        + "or save a plan with `peapod plan -out FILE` and run `peapod apply FILE`\n", apply.err());
    assertFalse(Files.exists(home.resolve("pods/web")));
  }

  @Test
  void applyNeedsManifestsOrAPlanButNotBoth() throws Exception {
    CliRun none = CliRun.run(home, "apply", "-auto-approve");
    assertEquals(ExitCodes.USAGE, none.exitCode(), none::toString);
    CliRun both = CliRun.run(home, "apply", home.resolve("x.plan").toString(), "-f", pods().toString());
    assertEquals(ExitCodes.USAGE, both.exitCode(), both::toString);
    assertEquals("peapod: apply takes a saved plan or -f manifests, not both\n", both.err());
  }

  @Test
  void aMissingPathIsNotFound() {
    CliRun plan = CliRun.run(home, Map.of(), false, "plan", "-f", home.resolve("nope").toString());
    assertEquals(ExitCodes.NOT_FOUND, plan.exitCode(), plan::toString);
    assertEquals("peapod: " + home.resolve("nope") + ": no such file or directory\n", plan.err());
  }

  /** A record as apply leaves it for a pod whose VM is gone: what prune and ownership decide on. */
  private void record(String pod, String owner) throws Exception {
    Files.createDirectories(home.resolve("applied"));
    Files.writeString(home.resolve("applied").resolve(pod + ".json"),
        "{\"name\": \"" + pod + "\", \"managedBy\": \"" + owner + "\", \"source\": \"x.yaml\", \"spec\": null,"
            + " \"hash\": \"\", \"pending\": {\"action\": \"create\", \"since\": \"2026-12-01T00:00:00Z\"}}");
  }

  @Test
  void aDirectoryPrunesOnlyThePodsItOwns() throws Exception {
    Path pods = pods();
    String owner = "dir:" + pods.toAbsolutePath().normalize();
    record("mine", owner);
    record("theirs", "dir:/srv/other-project");
    record("handmade", "cli");
    CliRun plan = CliRun.run(home, "plan", "-f", pods.toString(), "--json");
    assertEquals(0, plan.exitCode(), plan::toString);
    JsonNode json = new ObjectMapper().readTree(plan.out());
    assertEquals(owner, json.get("owner").asText());
    assertEquals(1, json.get("summary").get("remove").asInt(), plan::toString);
    assertEquals("mine", json.get("changes").get(0).get("pod").asText());
    assertEquals("remove", json.get("changes").get(0).get("action").asText());
  }

  @Test
  void aPodAnotherSourceOwnsIsLeftAloneUnlessTakenOver() throws Exception {
    Path pods = pods();
    record("web", "git:git://127.0.0.1/pods.git#main//prod");
    CliRun plan = CliRun.run(home, "plan", "-f", pods.toString());
    assertEquals(ExitCodes.ERROR, plan.exitCode(), plan::toString);
    assertEquals("""
        No changes. 0 pods match their manifests.

        Error: pod "web" is owned by git:git://127.0.0.1/pods.git#main//prod; declared here in %s; it is left alone (take it over with --take-over)
        """.formatted(pods.resolve("web.yaml")), plan.out());
    CliRun takeOver = CliRun.run(home, "plan", "-f", pods.toString(), "--take-over", "--json");
    assertEquals(0, takeOver.exitCode(), takeOver::toString);
    assertEquals("create", new ObjectMapper().readTree(takeOver.out()).get("changes").get(0).get("action").asText());
  }

  @Test
  void aJsonPlanIsNotASavedPlan() throws Exception {
    Path file = home.resolve("plan.json");
    Files.writeString(file, CliRun.run(home, "plan", "-f", pods().toString(), "--json").out());
    CliRun apply = CliRun.run(home, "apply", file.toString());
    assertEquals(ExitCodes.ERROR, apply.exitCode(), apply::toString);
    assertTrue(apply.err().contains("not a usable plan file: it has no sources"), apply::toString);
  }
}
