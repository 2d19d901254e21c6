package dev.peapod.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peapod.cli.testing.Peapod;
import dev.peapod.cli.testing.Peapod.Result;
import dev.peapod.engine.lock.PodLock;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
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
 * HyperContainer's own commands through the real {@code ./peapod} with real VMs: {@code run IMAGE}
 * without a manifest, and {@code replace -o OLD -n NEW}, which hands a running VM to another pod.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ImageRunAndHandOverIT {
  private static final String IMAGE = "it/busybox:1";

  @TempDir
  Path home;

  private Peapod peapod;

  @BeforeEach
  void loadImage() throws Exception {
    peapod = new Peapod(home);
    Path layout = home.resolve("oci");
    Result build = peapod.exec("", List.of(Peapod.REPO.resolve("scripts/busybox-oci.sh").toString(),
        layout.toString(), "1", "from-the-image"), Map.of());
    assertEquals(0, build.exitCode(), build::toString);
    Result load = peapod.run("image", "load", layout.toString(), "--tag", IMAGE);
    assertEquals(0, load.exitCode(), load::toString);
  }

  @AfterEach
  void killVms() {
    peapod.killAllVms();
  }

  @Test
  void runAnImageWithoutAManifest() throws Exception {
    int port = freePort();
    Result web = peapod.run("run", "-d", "--name", "web", "-p", port + ":80", "-e", "GREETING=hello",
        IMAGE, "--", "httpd", "-f", "-p", "80", "-h", "/etc");
    assertEquals(0, web.exitCode(), web::toString);
    assertEquals("web\n", web.out(), "-d prints the name once the pod runs");
    assertEquals(200, httpStatus(port, "/image-marker"));
    JsonNode pod = peapod.inspect("web");
    assertEquals("RUNNING", pod.get("state").asText());
    assertEquals("busybox", pod.at("/spec/containers/0/name").asText(), "one container, named after the image");
    assertEquals("cli", peapod.ps().get(0).get("owner").asText());

    // inspect -o yaml is a PeaPod manifest: saved and planned, it changes nothing.
    Result yaml = peapod.run("inspect", "web", "-o", "yaml");
    assertEquals(0, yaml.exitCode(), yaml::toString);
    assertTrue(yaml.out().startsWith("apiVersion: peapod.dev/v1alpha1\nkind: PeaPod\nmetadata:\n  name: web\n"),
        yaml::toString);
    Path saved = home.resolve("web.yaml");
    Files.writeString(saved, yaml.out());
    Result plan = peapod.run("plan", "-f", saved.toString(), "--detailed-exitcode");
    assertEquals(0, plan.exitCode(), plan::toString);
    assertTrue(plan.out().contains("No changes."), plan::toString);

    // Without -d: the container's output streams and its exit code is peapod's; --rm leaves no pod.
    Result exit3 = peapod.run("run", "--rm", "--name", "once", IMAGE, "--", "sh", "-c",
        "echo to-stdout; echo to-stderr >&2; exit 3");
    assertEquals(3, exit3.exitCode(), exit3::toString);
    assertEquals("to-stdout\n", exit3.out());
    assertTrue(exit3.err().contains("to-stderr\n"), exit3::toString);
    Result killed = peapod.run("run", "--rm", "--name", "killed", IMAGE, "--", "sh", "-c", "kill -9 $$");
    assertEquals(128 + 9, killed.exitCode(), killed::toString);

    // Without --rm the pod stays, stopped (Created) as Docker keeps an exited container.
    Result kept = peapod.run("run", "--name", "kept", "-w", "/etc", "-u", "1000:100", IMAGE, "--", "sh", "-c",
        "pwd; id -u; id -g");
    assertEquals(0, kept.exitCode(), kept::toString);
    assertEquals("/etc\n1000\n100\n", kept.out());

    // Ctrl-C (here SIGTERM, the same shutdown path) of a foreground run ends the pod as the exit would: --rm removes it.
    Peapod.Running interrupted = peapod.start("run", "--rm", "--name", "interrupted", IMAGE, "--", "sh", "-c",
        "echo started; exec sleep 1000");
    interrupted.awaitOutput("started");
    interrupted.terminate();
    Result afterInterrupt = interrupted.finish();
    assertFalse(names(peapod.ps()).contains("interrupted"), afterInterrupt::toString);

    // A generated name, printed.
    Result generated = peapod.run("run", "-d", IMAGE, "--", "sleep", "1000");
    assertEquals(0, generated.exitCode(), generated::toString);
    assertTrue(generated.out().matches("busybox-[0-9a-f]{6}\n"), generated::toString);
    String name = generated.out().trim();

    JsonNode ps = peapod.ps();
    assertEquals(List.of(name, "kept", "web"), names(ps));
    assertEquals("CREATED", ps.get(1).get("state").asText());
    assertEquals("RUNNING", ps.get(0).get("state").asText());

    // A name that is taken is refused and the pod left alone.
    Result taken = peapod.run("run", "-d", "--name", "web", IMAGE);
    assertEquals(ExitCodes.IN_USE, taken.exitCode(), taken::toString);
    assertEquals("peapod: pod \"web\" already exists: choose another --name, or rm it first\n", taken.err());
    assertEquals(200, httpStatus(port, "/image-marker"));
  }

  @Test
  void replaceHandsTheRunningVmOfOnePodToAnother() throws Exception {
    int oldPort = freePort();
    int newPort = freePort();
    assertEquals(0, peapod.run("run", "-d", "--name", "old", "-p", oldPort + ":80", IMAGE, "--",
        "httpd", "-f", "-p", "80", "-h", "/etc").exitCode());
    Path newPod = manifest("new.yaml", "new", newPort, "128Mi");
    assertEquals(0, peapod.run("create", "-f", newPod.toString()).exitCode());
    Path big = manifest("big.yaml", "big", freePort(), "256Mi");
    assertEquals(0, peapod.run("create", "-f", big.toString()).exitCode());
    String bootId = peapod.inspect("old").at("/vm/bootId").asText();

    // Refusals change nothing.
    assertRefused(ExitCodes.ERROR, "peapod: pod \"big\": needs a new VM: memory changes from 128 MiB to 256 MiB"
        + " (the VM of pod \"old\" cannot take it)\n", "replace", "-o", "old", "-n", "big");
    assertRefused(ExitCodes.ERROR, "peapod: pod \"new\": is not running; only a running pod can hand its VM over\n",
        "replace", "-o", "new", "-n", "big");
    assertEquals(0, peapod.run("run", "-d", "--name", "other", IMAGE, "--", "sleep", "1000").exitCode());
    assertRefused(ExitCodes.ERROR, "peapod: pod \"other\": must be Created to take over a VM, and it is running\n",
        "replace", "-o", "old", "-n", "other");
    assertRefused(ExitCodes.USAGE, "peapod: replace -o and -n name the same pod \"old\"\n",
        "replace", "-o", "old", "-n", "old");
    assertRefused(ExitCodes.NOT_FOUND, "peapod: pod \"nosuch\": no such pod\n", "replace", "-o", "old", "-n", "nosuch");
    try (PodLock held = PodLock.acquire(home, "new", "peapod start new")) {
      Result locked = peapod.run("replace", "-o", "old", "-n", "new");
      assertEquals(ExitCodes.IN_USE, locked.exitCode(), locked::toString);
      assertTrue(locked.err().startsWith("peapod: pod \"new\" is locked by pid " + ProcessHandle.current().pid()),
          locked::toString);
    }
    assertEquals(bootId, peapod.inspect("old").at("/vm/bootId").asText());
    assertEquals("CREATED", peapod.inspect("new").get("state").asText());
    assertEquals(200, httpStatus(oldPort, "/image-marker"));

    Result replace = peapod.run("replace", "-o", "old", "-n", "new");
    assertEquals(0, replace.exitCode(), replace::toString);
    assertEquals("Replaced old by new in its VM (boot id " + bootId + "); old is Created\n", replace.out());
    JsonNode now = peapod.inspect("new");
    assertEquals("RUNNING", now.get("state").asText());
    assertEquals(bootId, now.at("/vm/bootId").asText(), "the same VM, not a new boot");
    assertEquals("CREATED", peapod.inspect("old").get("state").asText());
    assertEquals(200, httpStatus(newPort, "/hostname"), "NEW's port is forwarded, to NEW's server");
    Result exec = peapod.run("exec", "new", "--", "hostname");
    assertEquals("new\n", exec.out(), exec::toString);
    // NEW's forwards keep changing in the VM it took over (a new passt finds the VM's net socket in NEW's directory).
    int movedPort = freePort();
    Path moved = manifest("moved.yaml", "new", movedPort, "128Mi");
    Result portChange = peapod.run("replace", "new", "-f", moved.toString());
    assertEquals(0, portChange.exitCode(), portChange::toString);
    assertEquals(200, httpStatus(movedPort, "/hostname"));
    assertEquals(bootId, peapod.inspect("new").at("/vm/bootId").asText());

    // OLD starts again in a VM of its own; stopping NEW's handed-over QEMU leaves OLD's sockets alone.
    assertEquals(0, peapod.run("start", "old").exitCode());
    assertEquals(0, peapod.run("stop", "new").exitCode());
    Result oldExec = peapod.run("exec", "old", "--", "echo", "reachable");
    assertEquals("reachable\n", oldExec.out(), oldExec::toString);
    assertEquals(200, httpStatus(oldPort, "/image-marker"));
    assertEquals("CREATED", peapod.inspect("new").get("state").asText());
    assertTrue(peapod.qemuOf("new").isEmpty() || peapod.qemuOf("old").size() == 1, "no QEMU left behind");
  }

  @Test
  void aHandOverKilledHalfWayIsReportedAndFinishedByTheNextCommand() throws Exception {
    assertEquals(0, peapod.run("run", "-d", "--name", "old", IMAGE, "--", "sleep", "1000").exitCode());
    assertEquals(0, peapod.run("create", "-f", manifest("new.yaml", "new", freePort(), "128Mi").toString()).exitCode());
    String bootId = peapod.inspect("old").at("/vm/bootId").asText();
    Process paused = peapod.pausedAt("handover-moving", "replace", "-o", "old", "-n", "new");
    paused.destroyForcibly();
    assertTrue(paused.waitFor(10, TimeUnit.SECONDS));

    String interrupted = "handing the VM of pod \"old\" over to pod \"new\" was interrupted; the next start, stop,"
        + " replace or rm of either pod finishes it";
    JsonNode ps = peapod.ps();
    assertEquals(interrupted, ps.get(0).get("message").asText(), ps::toString);
    assertEquals(interrupted, ps.get(1).get("message").asText(), ps::toString);
    assertEquals("RUNNING", peapod.inspect("old").get("state").asText(), "its vm.json is still there");

    // The next command on either pod finishes the hand-over first: the VM is NEW's (its start interrupted).
    Result start = peapod.run("start", "new");
    assertEquals(0, start.exitCode(), start::toString);
    assertEquals("CREATED", peapod.inspect("old").get("state").asText());
    JsonNode now = peapod.inspect("new");
    assertEquals("RUNNING", now.get("state").asText());
    assertEquals("", now.get("message").asText());
    assertFalse(bootId.equals(now.at("/vm/bootId").asText()), "an interrupted start boots afresh");
    assertEquals(1, peapod.qemuOf("new").size() + peapod.qemuOf("old").size(), "the handed-over QEMU is gone");
  }

  private void assertRefused(int exitCode, String err, String... args) throws Exception {
    Result refused = peapod.run(args);
    assertEquals(exitCode, refused.exitCode(), refused::toString);
    assertEquals(err, refused.err());
  }

  private Path manifest(String file, String name, int port, String memory) throws IOException {
    Path path = home.resolve(file);
    Files.writeString(path, """
        apiVersion: peapod.dev/v1alpha1
        kind: PeaPod
        metadata:
          name: %s
        spec:
          terminationGracePeriodSeconds: 1
          vm: {memory: %s}
          containers:
            - name: app
              image: %s
              command: [sh, -c, "hostname > /tmp/hostname; exec httpd -f -p 80 -h /tmp"]
              ports:
                - containerPort: 80
                  hostPort: %d
        """.formatted(name, memory, IMAGE, port));
    return path;
  }

  private static List<String> names(JsonNode ps) {
    return java.util.stream.StreamSupport.stream(ps.spliterator(), false).map(p -> p.get("name").asText()).toList();
  }

  /** The status of the first answer from 127.0.0.1:port; the server may need a moment after its process started. */
  private static int httpStatus(int port, String path) throws Exception {
    IOException last = null;
    for (int i = 0; i < 100; i++) {
      try {
        HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + path).toURL().openConnection();
        c.setConnectTimeout(2000);
        c.setReadTimeout(2000);
        return c.getResponseCode();
      } catch (IOException e) {
        last = e;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no answer from 127.0.0.1:" + port, last);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
