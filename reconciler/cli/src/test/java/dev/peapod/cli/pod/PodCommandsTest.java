package dev.peapod.cli.pod;

import dev.peapod.engine.lock.PodLock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peapod.cli.ExitCodes;
import dev.peapod.cli.testing.CliRun;
import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.ImageRootfs;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.qemu.runtime.PodRecord;
import dev.peapod.provider.qemu.runtime.StateDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pod commands' argument handling and errors, in-process against a temporary PEAPOD_HOME
 * (pods recorded as Created, never booted: no VM, no registry).
 */
class PodCommandsTest {
  @TempDir
  Path home;

  private void createdPod(String name) throws Exception {
    ImageRootfs image = new ImageRootfs("sha256:" + "a".repeat(64), home.resolve("rootfs.erofs"));
    new StateDirectory(home).pod(name).create(new PodRecord(
        PodSpec.of(name, List.of(ContainerSpec.of("main", image, List.of("sleep", "1000")))), CliRun.NOW));
  }

  private Path file(String name, String content) throws Exception {
    Path file = home.resolve(name);
    Files.writeString(file, content);
    return file;
  }

  @Test
  void anInvalidManifestPrintsEveryDiagnosticAndExits1() throws Exception {
    Path bad = file("bad.yaml", """
        apiVersion: v1
        kind: Pod
        metadata:
          name: Bad_Name
        spec:
          containers:
            - name: main
              image: busybox:1
              restartPolicy: Sometimes
        """);
    CliRun run = CliRun.run(home, "create", "-f", bad.toString());
    assertEquals(ExitCodes.ERROR, run.exitCode(), run::toString);
    assertEquals("", run.out());
    List<String> lines = run.err().lines().toList();
    assertFalse(lines.isEmpty(), run::toString);
    for (String line : lines) {
      assertTrue(line.matches("\\Q" + bad + "\\E:\\d+:\\d+: [^ ]+: .+"), "file:line:col: path: message, got " + line);
    }
    assertTrue(run.err().contains(bad + ":4:9: metadata.name: "), run::toString);
  }

  @Test
  void unsupportedFeaturesAreDiagnosticsToo() throws Exception {
    Path hostPath = file("host-path.yaml", """
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
        spec:
          containers:
            - name: main
              image: busybox:1
          volumes:
            - name: host
              hostPath:
                path: missing-dir
                type: Directory
        """);
    CliRun run = CliRun.run(home, "run", "-f", hostPath.toString());
    assertEquals(ExitCodes.ERROR, run.exitCode(), run::toString);
    assertEquals(hostPath + ":11:7: spec.volumes[0].hostPath: hostPath " + home.resolve("missing-dir")
        + " does not exist (a directory is required by type Directory) (volume \"host\")\n", run.err());
  }

  @Test
  void missingThingsExit3() throws Exception {
    CliRun noFile = CliRun.run(home, "create", "-f", home.resolve("nosuch.yaml").toString());
    assertEquals(ExitCodes.NOT_FOUND, noFile.exitCode(), noFile::toString);
    assertEquals("peapod: " + home.resolve("nosuch.yaml") + ": no such file\n", noFile.err());

    for (String[] args : List.of(new String[] {"start", "nosuch"}, new String[] {"stop", "nosuch"},
        new String[] {"rm", "nosuch"}, new String[] {"inspect", "nosuch"}, new String[] {"logs", "nosuch"},
        new String[] {"exec", "nosuch", "--", "true"})) {
      CliRun run = CliRun.run(home, args);
      assertEquals(ExitCodes.NOT_FOUND, run.exitCode(), run::toString);
      assertEquals("peapod: pod \"nosuch\": no such pod\n", run.err());
    }
  }

  @Test
  void badArgumentsAreUsageErrors() throws Exception {
    createdPod("web");
    assertEquals(ExitCodes.USAGE, CliRun.run(home, "exec", "web").exitCode(), "exec needs a command");
    assertEquals(ExitCodes.USAGE, CliRun.run(home, "create").exitCode(), "create needs -f");
    assertEquals(ExitCodes.USAGE, CliRun.run(home, "replace", "web").exitCode(), "replace needs -f");
    assertEquals(ExitCodes.USAGE, CliRun.run(home, "start").exitCode(), "start needs a name");
    assertEquals(ExitCodes.USAGE, CliRun.run(home, "stop", "web", "--grace", "soon").exitCode());
    CliRun grace = CliRun.run(home, "stop", "web", "--grace", "-1");
    assertEquals(ExitCodes.USAGE, grace.exitCode(), grace::toString);
    assertEquals("peapod: --grace must not be negative: -1\n", grace.err());
    CliRun tail = CliRun.run(home, "logs", "web", "--tail", "-1");
    assertEquals(ExitCodes.USAGE, tail.exitCode(), tail::toString);
    CliRun container = CliRun.run(home, "logs", "web", "-c", "nosuch");
    assertEquals(ExitCodes.NOT_FOUND, container.exitCode(), container::toString);
    assertEquals("peapod: pod \"web\" has no container \"nosuch\"\n", container.err());
  }

  @Test
  void inspectShowsTheResolvedSpecAndRmRemovesACreatedPod() throws Exception {
    createdPod("web");
    CliRun inspect = CliRun.run(home, "inspect", "web");
    assertEquals(0, inspect.exitCode(), inspect::toString);
    JsonNode json = new ObjectMapper().readTree(inspect.out());
    assertEquals("CREATED", json.get("state").asText());
    assertEquals("sleep", json.get("spec").get("containers").get(0).get("command").get(0).asText());
    assertTrue(CliRun.run(home, "inspect", "web", "-o", "yaml").out().contains("state: CREATED\n"));

    CliRun rm = CliRun.run(home, "rm", "web");
    assertEquals(0, rm.exitCode(), rm::toString);
    assertEquals("Removed web\n", rm.out());
    assertEquals(ExitCodes.NOT_FOUND, CliRun.run(home, "inspect", "web").exitCode());
  }

  /** As docker rm and docker stop: several names, each reported, the first failure's exit code. */
  @Test
  void rmAndStopTakeSeveralNamesAndReportEach() throws Exception {
    createdPod("a");
    createdPod("b");
    CliRun stop = CliRun.run(home, "stop", "a", "nosuch", "b");
    assertEquals(0, CliRun.run(home, "inspect", "a").exitCode(), "stopping a Created pod leaves it");
    assertEquals(ExitCodes.NOT_FOUND, stop.exitCode(), stop::toString);
    assertTrue(stop.err().contains("nosuch"), stop::toString);
    assertTrue(stop.out().contains("Stopped a") && stop.out().contains("Stopped b"), stop::toString);

    CliRun rm = CliRun.run(home, "rm", "a", "nosuch", "b");
    assertEquals(ExitCodes.NOT_FOUND, rm.exitCode(), rm::toString);
    assertEquals("Removed a\nRemoved b\n", rm.out());
    assertEquals(1, rm.err().lines().count(), rm::toString);
    assertTrue(rm.err().startsWith("peapod: ") && rm.err().contains("nosuch"), rm::toString);
    assertEquals(ExitCodes.NOT_FOUND, CliRun.run(home, "inspect", "a").exitCode());
    assertEquals(ExitCodes.NOT_FOUND, CliRun.run(home, "inspect", "b").exitCode());

    createdPod("c");
    CliRun all = CliRun.run(home, "rm", "c");
    assertEquals(0, all.exitCode(), all::toString);
    assertEquals(ExitCodes.NOT_FOUND, CliRun.run(home, "rm", "c").exitCode(), "one name: its failure is the command's");
  }

  /** As kubectl get: one name prints its document, several print one list of those that succeeded. */
  @Test
  void severalNamesPrintOneStructuredDocument() throws Exception {
    createdPod("a");
    createdPod("b");
    CliRun stop = CliRun.run(home, "stop", "a", "nosuch", "b", "-o", "json");
    assertEquals(ExitCodes.NOT_FOUND, stop.exitCode(), stop::toString);
    JsonNode stopped = new ObjectMapper().readTree(stop.out());
    assertTrue(stopped.isArray(), stop::toString);
    assertEquals(List.of("a", "b"), List.of(stopped.get(0).get("name").asText(), stopped.get(1).get("name").asText()));

    CliRun rm = CliRun.run(home, "rm", "a", "b", "-o", "yaml");
    assertEquals(0, rm.exitCode(), rm::toString);
    assertEquals("- name: a\n  removed: true\n- name: b\n  removed: true\n", rm.out());

    createdPod("c");
    CliRun one = CliRun.run(home, "rm", "c", "-o", "json");
    assertEquals(0, one.exitCode(), one::toString);
    assertEquals("c", new ObjectMapper().readTree(one.out()).get("name").asText(), "one name: its document alone");

    CliRun none = CliRun.run(home, "rm", "x", "y", "-o", "json");
    assertEquals(ExitCodes.NOT_FOUND, none.exitCode(), none::toString);
    assertTrue(new ObjectMapper().readTree(none.out()).isEmpty(), "still one document: " + none);
  }

  /** A failure among several names is reported as the command's own would be: with --debug, its trace. */
  @Test
  void aFailureAmongSeveralNamesIsReportedAsACommandsFailure() throws Exception {
    createdPod("a");
    CliRun rm = CliRun.run(home, "--debug", "rm", "nosuch", "a");
    assertEquals(ExitCodes.NOT_FOUND, rm.exitCode(), rm::toString);
    assertTrue(rm.err().startsWith("peapod: pod \"nosuch\": no such pod\n"), rm::toString);
    assertTrue(rm.err().contains("\tat dev.peapod."), "the stack trace with --debug: " + rm);
  }

  @Test
  void replaceNeedsTheFileToDeclareThePod() throws Exception {
    createdPod("web");
    Path other = file("other.yaml", """
        apiVersion: v1
        kind: Pod
        metadata:
          name: other
        spec:
          containers:
            - name: main
              image: busybox:1
        """);
    CliRun run = CliRun.run(home, "replace", "web", "-f", other.toString());
    assertEquals(ExitCodes.ERROR, run.exitCode(), run::toString);
    assertEquals("peapod: " + other + ": declares no pod \"web\" (it declares other)\n", run.err());
  }

  @Test
  void aLockedPodIsRefusedNamingTheHolder() throws Exception {
    createdPod("web");
    try (PodLock held = PodLock.acquire(home, "web", "peapod start web")) {
      CliRun run = CliRun.run(home, "rm", "web");
      assertEquals(ExitCodes.IN_USE, run.exitCode(), run::toString);
      assertTrue(run.err().matches("peapod: pod \"web\" is locked by pid " + ProcessHandle.current().pid()
          + " \\(peapod start web\\) since \\d\\d:\\d\\d:\\d\\d\n"), run::toString);
      assertEquals(0, CliRun.run(home, "inspect", "web").exitCode(), "reading needs no lock");
    }
    CliRun after = CliRun.run(home, "rm", "web");
    assertEquals(0, after.exitCode(), after::toString);
  }
}
