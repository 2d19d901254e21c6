package dev.peapod.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peapod.cli.testing.Peapod;
import dev.peapod.cli.testing.Peapod.Result;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Probes and lifecycle hooks run by guest-init in a real VM, seen as a user sees them ({@code ps},
 * {@code inspect}, {@code -o json}): the pod file {@code probes/checked.yaml} has one container per
 * behaviour, so one VM boot covers them all.
 */
class ProbesIT {

  @TempDir
  Path home;

  /** How long a container may take to get where a check waits for it (TCG on a busy machine). */
  private static final Duration WAIT = Duration.ofSeconds(60);

  private Peapod peapod;

  @AfterEach
  void removeThePod() throws Exception {
    if (peapod != null) {
      peapod.run("rm", "-f", "checked");
    }
  }

  @Test
  void probesAndHooksBehaveAsInKubernetes() throws Exception {
    peapod = new Peapod(home);
    Path layout = home.resolve("oci");
    Result built = peapod.exec("", List.of(Peapod.REPO.resolve("scripts/busybox-oci.sh").toString(),
        layout.toString(), "1", "probes"), Map.of());
    assertEquals(0, built.exitCode(), built::toString);
    Result load = peapod.run("image", "load", layout.toString(), "--tag", "it/busybox:1");
    assertEquals(0, load.exitCode(), load::toString);
    Path manifest = home.resolve("checked.yaml");
    try (InputStream in = getClass().getResourceAsStream("/probes/checked.yaml")) {
      Files.write(manifest, in.readAllBytes());
    }
    Result run = peapod.run("run", "-f", manifest.toString());
    assertEquals(0, run.exitCode(), run::toString);

    // postStart ran right after the start.
    awaitTrue("postStart wrote its file", () -> Files.exists(home.resolve("marks/poststart")));
    assertEquals("poststart\n", Files.readString(home.resolve("marks/poststart")));

    // The startup probe holds the liveness probe back: slow is not started for its first 5 s,
    // and not restarted although its liveness probe would fail at once without the gate.
    JsonNode early = peapod.container("slow");
    assertFalse(early.get("started").asBoolean(), early::toString);
    assertFalse(early.get("ready").asBoolean(), early::toString);

    // Readiness follows a file.
    JsonNode gate = peapod.container("gate");
    assertFalse(gate.get("ready").asBoolean(), gate::toString);
    assertTrue(gate.get("started").asBoolean(), gate::toString);
    assertEquals(0, peapod.run("exec", "checked", "-c", "gate", "--", "touch", "/tmp/ready").exitCode());
    peapod.awaitContainer("gate", WAIT, c -> c.get("ready").asBoolean());
    assertEquals(0, peapod.run("exec", "checked", "-c", "gate", "--", "rm", "/tmp/ready").exitCode());
    JsonNode unready = peapod.awaitContainer("gate", WAIT, c -> !c.get("ready").asBoolean());
    assertTrue(unready.get("probeMessage").asText().startsWith("Readiness probe failed: command \"test\" exited with 1"),
        unready::toString);
    assertEquals(0, unready.get("restarts").asInt(), "readiness never restarts");

    // httpGet against busybox httpd: ready while /index.html is served; a 404 makes it not ready.
    peapod.awaitContainer("web", WAIT, c -> c.get("ready").asBoolean());
    assertEquals(0, peapod.run("exec", "checked", "-c", "web", "--", "rm", "/var/www/index.html").exitCode());
    JsonNode notFound = peapod.awaitContainer("web", WAIT, c -> !c.get("ready").asBoolean());
    assertEquals("Readiness probe failed: HTTP probe failed with statuscode: 404",
        notFound.get("probeMessage").asText(), notFound::toString);
    assertEquals(0, notFound.get("restarts").asInt(), "its tcpSocket liveness probe still passes");

    // tcpSocket: refused while nothing listens, ready once httpd is up on 9000.
    JsonNode late = peapod.awaitContainer("late", WAIT, c -> c.get("ready").asBoolean());
    assertTrue(late.get("probeMessage").asText().startsWith("Readiness probe failed: dial tcp 127.0.0.1:9000:"),
        late::toString);

    // Once up, slow is started and ready, never having been restarted.
    JsonNode slow = peapod.awaitContainer("slow", WAIT, c -> c.get("ready").asBoolean());
    assertTrue(slow.get("started").asBoolean(), slow::toString);
    assertEquals(0, slow.get("restarts").asInt(), slow::toString);

    // A liveness probe that starts failing after a while restarts the container, again and again.
    JsonNode flaky = peapod.awaitContainer("flaky", WAIT, c -> c.get("restarts").asInt() >= 2);
    assertTrue(flaky.get("probeMessage").asText().startsWith("Liveness probe failed: command \"cat\" exited with 1"),
        flaky::toString);

    // READY in ps and the pod's ready: web and gate are not ready, so neither is the pod.
    JsonNode pod = peapod.ps().get(0);
    assertFalse(pod.get("ready").asBoolean(), pod::toString);
    Result ps = peapod.run("ps");
    assertTrue(ps.out().lines().anyMatch(l -> l.matches("checked +Running +[0-5]/6 +[0-6]/6 .*")), ps::toString);
    JsonNode inspect = peapod.inspect("checked");
    assertEquals(inspect.get("containers").size(), 6, inspect::toString);

    // preStop runs before SIGTERM when the pod stops: its mark comes first.
    Result stop = peapod.run("stop", "checked");
    assertEquals(0, stop.exitCode(), stop::toString);
    assertEquals("prestop\nsigterm\n", Files.readString(home.resolve("marks/order")));
  }

  private interface Check {
    boolean holds() throws Exception;
  }

  private static void awaitTrue(String what, Check check) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!check.holds()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(what + ": not within 30 s");
      }
      Thread.sleep(100);
    }
  }
}
