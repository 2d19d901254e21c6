package dev.peapod.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peapod.cli.testing.Peapod;
import dev.peapod.cli.testing.Peapod.Result;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * State-store crash tests: {@code kill -9} of {@code ./peapod} at named points of create and start
 * ({@code PEAPOD_TEST_PAUSE_AT}), and of a pod's QEMU. After each, {@code ps} tells the truth, and
 * rerunning the same command converges: the pod Running, exactly one QEMU for it, none orphaned.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class StateCrashIT {
  @TempDir
  Path home;

  private Peapod peapod;
  private Path manifest;

  @BeforeEach
  void loadImageAndWriteManifest() throws Exception {
    peapod = new Peapod(home);
    Path layout = home.resolve("oci");
    Result build = peapod.exec("", List.of(Peapod.REPO.resolve("scripts/busybox-oci.sh").toString(),
        layout.toString(), "1", "crash"), Map.of());
    assertEquals(0, build.exitCode(), build::toString);
    Result load = peapod.run("image", "load", layout.toString(), "--tag", "it/busybox:1");
    assertEquals(0, load.exitCode(), load::toString);
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    // A forwarded host port: a second QEMU of the same pod could not even start beside a leftover one.
    manifest = home.resolve("crash.yaml");
    Files.writeString(manifest, """
        apiVersion: v1
        kind: Pod
        metadata:
          name: crash
        spec:
          terminationGracePeriodSeconds: 0
          containers:
            - name: main
              image: it/busybox:1
              command: [sleep, "1000"]
              ports:
                - containerPort: 80
                  hostPort: %d
        """.formatted(port));
  }

  @AfterEach
  void killVms() {
    peapod.killAllVms();
  }

  @Test
  void killedAfterTheCreateRecordTheRerunConverges() throws Exception {
    kill9(peapod.pausedAt("after-create-record", "create", "-f", manifest.toString()));

    assertEquals("CREATED", pod().get("state").asText(), "pod.json is written whole: the pod exists");
    Result again = peapod.run("create", "-f", manifest.toString());
    assertEquals(0, again.exitCode(), again::toString);
    assertEquals("Exists crash (same spec)\n", again.out());
    assertRunsAfter("run", "-f", manifest.toString());
  }

  @Test
  void killedAfterQemuStartedButBeforeItWasRecordedTheOrphanIsReplaced() throws Exception {
    assertEquals(0, peapod.run("create", "-f", manifest.toString()).exitCode());
    kill9(peapod.pausedAt("after-launch", "start", "crash"));

    List<Long> orphan = peapod.qemuOf("crash");
    assertEquals(1, orphan.size(), "the killed start left its QEMU running");
    JsonNode pod = pod();
    assertEquals("CREATED", pod.get("state").asText());
    assertEquals("QEMU " + orphan.get(0) + " of an interrupted start still runs; start or rm ends it",
        pod.get("message").asText());
    assertRunsAfter("start", "crash");
    assertTrue(!peapod.qemuOf("crash").contains(orphan.get(0)), "the orphan is gone");
  }

  @Test
  void killedWhileTheGuestBootsTheRerunStartsAFreshVm() throws Exception {
    assertEquals(0, peapod.run("create", "-f", manifest.toString()).exitCode());
    kill9(peapod.pausedAt("after-vm-record", "start", "crash"));

    JsonNode pod = pod();
    assertEquals("RUNNING", pod.get("state").asText(), "a VM runs, recorded");
    assertEquals("starting, or a start was interrupted (then start again, or stop)", pod.get("message").asText());
    assertRunsAfter("start", "crash");
  }

  @Test
  void killedBeforeTheContainersStartedARerunOfRunConverges() throws Exception {
    kill9(peapod.pausedAt("before-containers", "run", "-f", manifest.toString()));

    assertEquals(0, pod().get("containers").size(), "nothing was started: ps does not invent containers");
    assertRunsAfter("run", "-f", manifest.toString());
    Result again = peapod.run("run", "-f", manifest.toString());
    assertEquals(0, again.exitCode(), again::toString);
    assertEquals("Exists crash (same spec)\nAlready running crash\n", again.out());
  }

  @Test
  void aKilledQemuShowsAsVmGoneAndStartsAgain() throws Exception {
    assertRunsAfter("run", "-f", manifest.toString());
    long qemu = peapod.qemuOf("crash").get(0);
    ProcessHandle.of(qemu).orElseThrow().destroyForcibly();
    ProcessHandle.of(qemu).ifPresent(p -> p.onExit().join());

    JsonNode pod = pod();
    assertEquals("VM_GONE", pod.get("state").asText());
    assertTrue(pod.get("message").asText().startsWith("the VM's QEMU process " + qemu + " ended without a stop"),
        pod::toString);
    Result ps = peapod.run("ps");
    assertTrue(ps.out().contains("VM gone"), ps::toString);
    assertRunsAfter("start", "crash");
  }

  @Test
  void psAnswersInSecondsWhileAnotherProcessHoldsTheGuestsControlConnection() throws Exception {
    assertRunsAfter("run", "-f", manifest.toString());
    Peapod.Running exec = peapod.start("exec", "crash", "--", "sh", "-c", "echo holding; exec sleep 60");
    try {
      exec.awaitOutput("holding");
      long started = System.nanoTime();
      JsonNode pod = pod();
      long millis = (System.nanoTime() - started) / 1_000_000;

      assertTrue(millis < 15_000, "ps took " + millis + " ms");
      assertEquals("RUNNING", pod.get("state").asText());
      assertTrue(pod.get("message").asText().startsWith("guest-init does not answer STATUS: "), pod::toString);
      assertTrue(pod.get("message").asText().contains("another Peapod process holds the control socket"),
          pod::toString);
    } finally {
      exec.kill();
    }
    // The exec's connection is gone with it: the next ps gets the containers again.
    assertEquals("RUNNING", pod().get("containers").get(0).get("state").asText());
  }

  private void assertRunsAfter(String... command) throws Exception {
    Result rerun = peapod.run(command);
    assertEquals(0, rerun.exitCode(), rerun::toString);
    JsonNode pod = pod();
    assertEquals("RUNNING", pod.get("state").asText(), pod::toString);
    assertEquals("", pod.get("message").asText(), pod::toString);
    assertEquals("RUNNING", pod.get("containers").get(0).get("state").asText(), pod::toString);
    assertEquals(List.of(pod.get("vm").get("pid").asLong()), peapod.qemuOf("crash"), "exactly the recorded QEMU runs");
  }

  private JsonNode pod() throws Exception {
    JsonNode ps = peapod.ps();
    assertEquals(1, ps.size(), ps::toString);
    return ps.get(0);
  }

  private static void kill9(Process process) throws InterruptedException {
    process.destroyForcibly(); // SIGKILL: no shutdown hooks, no finally blocks
    assertTrue(process.waitFor(10, TimeUnit.SECONDS));
  }
}
