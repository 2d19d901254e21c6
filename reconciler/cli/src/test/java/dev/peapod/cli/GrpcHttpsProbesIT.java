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
 * grpc probes and {@code httpGet} over HTTPS, run by guest-init in a real VM against servers that
 * are not Peapod's code: scripts/probe-server, grpc-go's health server and Go's crypto/tls (built
 * from Debian's Go sources by scripts/probe-server-oci.sh). One pod, {@code probes/grpc-https.yaml}:
 * a gRPC server going SERVING, NOT_SERVING (not ready, then restarted by its liveness probe) and
 * SERVING again; an unknown service; an HTTPS server going up, down and up; an HTTPS 404.
 */
class GrpcHttpsProbesIT {

  @TempDir
  Path home;

  /** How long a container may take to get where a check waits for it (TCG on a busy machine). */
  private static final Duration WAIT = Duration.ofSeconds(90);

  private Peapod peapod;

  @AfterEach
  void removeThePod() throws Exception {
    if (peapod != null) {
      peapod.run("rm", "-f", "grpc-https");
    }
  }

  @Test
  void grpcAndHttpsProbesBehaveAsInKubernetes() throws Exception {
    peapod = new Peapod(home);
    Path servers = home.resolve("oci-servers");
    Result built = peapod.exec("", List.of(Peapod.REPO.resolve("scripts/probe-server-oci.sh").toString(),
        servers.toString(), "1"), Map.of());
    assertEquals(0, built.exitCode(), built::toString);
    assertEquals(0, peapod.run("image", "load", servers.toString(), "--tag", "it/probe-server:1").exitCode());
    Path busybox = home.resolve("oci");
    built = peapod.exec("", List.of(Peapod.REPO.resolve("scripts/busybox-oci.sh").toString(),
        busybox.toString(), "1", "grpc-https"), Map.of());
    assertEquals(0, built.exitCode(), built::toString);
    assertEquals(0, peapod.run("image", "load", busybox.toString(), "--tag", "it/busybox:1").exitCode());
    Path manifest = home.resolve("grpc-https.yaml");
    try (InputStream in = getClass().getResourceAsStream("/probes/grpc-https.yaml")) {
      Files.write(manifest, in.readAllBytes());
    }
    Result run = peapod.run("run", "-f", manifest.toString());
    assertEquals(0, run.exitCode(), run::toString);

    // gRPC: SERVING is ready; an unknown service is not, with the kubelet's words.
    peapod.awaitContainer("health", WAIT, c -> c.get("ready").asBoolean());
    JsonNode unknown = peapod.awaitContainer("unknown", WAIT,
        c -> c.get("probeMessage").asText().contains("unknown service"));
    assertFalse(unknown.get("ready").asBoolean(), unknown::toString);
    assertEquals("Readiness probe failed: rpc error: code = 5 desc = unknown service",
        unknown.get("probeMessage").asText(), unknown::toString);
    assertEquals(0, unknown.get("restarts").asInt(), "readiness never restarts");

    // NOT_SERVING: not ready at once (period 1 s), then the liveness probe (service "probe",
    // 4 failures) restarts it; the new start clears the flag and it is SERVING and ready again.
    assertEquals(0, peapod.run("exec", "grpc-https", "-c", "health", "--", "touch", "/tmp/not-serving").exitCode());
    JsonNode notServing = peapod.awaitContainer("health", WAIT, c -> !c.get("ready").asBoolean());
    assertTrue(notServing.get("probeMessage").asText().contains("service unhealthy (responded with \"NOT_SERVING\")"),
        notServing::toString);
    peapod.awaitContainer("health", WAIT, c -> c.get("restarts").asInt() >= 1);
    JsonNode back = peapod.awaitContainer("health", WAIT, c -> c.get("ready").asBoolean());
    assertTrue(back.get("restarts").asInt() >= 1, back::toString);

    // HTTPS: ready while the server is up, not while it is down, ready again once it is back.
    peapod.awaitContainer("tls", WAIT, c -> c.get("ready").asBoolean());
    assertEquals(0, peapod.run("exec", "grpc-https", "-c", "tls", "--", "touch", "/tmp/down").exitCode());
    JsonNode down = peapod.awaitContainer("tls", WAIT, c -> !c.get("ready").asBoolean());
    assertTrue(down.get("probeMessage").asText().startsWith("Readiness probe failed: dial tcp 127.0.0.1:8443:"),
        down::toString);
    assertEquals(0, peapod.run("exec", "grpc-https", "-c", "tls", "--", "rm", "/tmp/down").exitCode());
    JsonNode up = peapod.awaitContainer("tls", WAIT, c -> c.get("ready").asBoolean());
    assertEquals(0, up.get("restarts").asInt(), up::toString);

    // HTTPS 404: the status is read through TLS and the liveness probe restarts the container.
    // (While the server was down its failures said "dial tcp"; once up, 404.)
    String notFound = "Liveness probe failed: HTTP probe failed with statuscode: 404";
    JsonNode missing = peapod.awaitContainer("missing", WAIT,
        c -> c.get("restarts").asInt() >= 1 && c.get("probeMessage").asText().equals(notFound));
    assertEquals(notFound, missing.get("probeMessage").asText(), missing::toString);
  }

}
