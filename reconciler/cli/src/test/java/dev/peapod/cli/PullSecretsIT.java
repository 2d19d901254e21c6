package dev.peapod.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peapod.cli.testing.Peapod;
import dev.peapod.cli.testing.Peapod.Result;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code imagePullSecrets} with the real {@code ./peapod}, a real VM and Debian's docker-registry
 * behind basic auth (an htpasswd file made by apache2-utils' htpasswd): without the pull secret the
 * pull is refused by the registry; with a {@code kubernetes.io/dockerconfigjson} Secret next to the
 * pod, matched to the image by its registry host and port, the image is pulled and the pod runs; the
 * password is in no file of $PEAPOD_HOME and no output.
 */
class PullSecretsIT {

  private static final String USER = "puller";
  private static final String PASSWORD = "pull-pass-never-on-disk-6502";

  @TempDir
  Path home;

  private Peapod peapod;
  private Process registry;
  private String host;

  @BeforeEach
  void privateRegistry() throws Exception {
    peapod = new Peapod(home);
    Path dir = Files.createDirectories(home.resolve("registry"));
    Result hash = peapod.exec("", List.of("htpasswd", "-Bbn", USER, PASSWORD), Map.of());
    assertEquals(0, hash.exitCode(), hash::toString);
    Files.writeString(dir.resolve("htpasswd"), hash.out());
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    host = "127.0.0.1:" + port;
    Files.writeString(dir.resolve("config.yml"), """
        version: 0.1
        log: {level: warn}
        storage: {filesystem: {rootdirectory: %s}}
        http: {addr: "%s"}
        auth: {htpasswd: {realm: peapod-it, path: %s}}
        """.formatted(dir.resolve("storage"), host, dir.resolve("htpasswd")));
    registry = new ProcessBuilder("/usr/bin/docker-registry", "serve", dir.resolve("config.yml").toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
    awaitRegistry();

    Path layout = home.resolve("oci");
    Result built = peapod.exec("", List.of(Peapod.REPO.resolve("scripts/busybox-oci.sh").toString(),
        layout.toString(), "1", "private-image"), Map.of());
    assertEquals(0, built.exitCode(), built::toString);
    Result push = peapod.exec("", List.of("skopeo", "--insecure-policy", "copy", "--quiet", "--dest-tls-verify=false",
        "--dest-creds=" + USER + ":" + PASSWORD, "oci:" + layout + ":1", "docker://" + host + "/team/app:1"), Map.of());
    assertEquals(0, push.exitCode(), push::toString);
    // The image and its layout are gone from the home before Peapod runs: only the registry has it.
    peapod.exec("", List.of("rm", "-rf", layout.toString()), Map.of());
  }

  @AfterEach
  void stop() throws Exception {
    for (JsonNode pod : peapod.ps()) {
      peapod.run("rm", "--force", pod.get("name").asText());
    }
    registry.destroy();
    registry.waitFor();
  }

  @Test
  void aPodsPullSecretPullsFromARegistryBehindBasicAuth() throws Exception {
    Path pods = Files.createDirectories(home.resolve("pods"));
    Files.writeString(pods.resolve("app.yaml"), pod(false));
    List<Result> outputs = new ArrayList<>();

    Result refused = peapod.run("apply", "-f", pods.toString(), "-auto-approve");
    assertEquals(1, refused.exitCode(), refused::toString);
    assertTrue(refused.out().contains("requires authentication") || refused.err().contains("requires authentication"),
        "without the pull secret the registry refuses: " + refused);

    String auth = Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
    Files.writeString(pods.resolve("regcred.yaml"), """
        apiVersion: v1
        kind: Secret
        metadata: {name: regcred}
        type: kubernetes.io/dockerconfigjson
        stringData:
          .dockerconfigjson: '{"auths": {"%s": {"auth": "%s"}, "127.0.0.1": {"auth": "%s"}}}'
        """.formatted(host, auth, Base64.getEncoder().encodeToString("wrong:port".getBytes(StandardCharsets.UTF_8))));
    Files.writeString(pods.resolve("app.yaml"), pod(true));
    Result plan = peapod.run("plan", "-f", pods.toString());
    outputs.add(plan);
    Result apply = peapod.run("apply", "-f", pods.toString(), "-auto-approve");
    assertEquals(0, apply.exitCode(), apply::toString);
    outputs.add(apply);
    Result marker = peapod.run("exec", "app", "--", "cat", "/etc/image-marker");
    assertEquals(0, marker.exitCode(), marker::toString);
    assertTrue(marker.out().contains("private-image"), "the container runs the pushed image: " + marker);
    outputs.add(peapod.run("inspect", "app", "-o", "json"));
    outputs.add(peapod.run("image", "ls", "-o", "json"));

    for (Result output : outputs) {
      assertFalse((output.out() + output.err()).contains(PASSWORD), output::toString);
      assertFalse((output.out() + output.err()).contains(auth), output::toString);
    }
    try (Stream<Path> walk = Files.walk(home)) {
      for (Path file : walk.filter(Files::isRegularFile)
          .filter(f -> !f.startsWith(pods) && !f.startsWith(home.resolve("registry"))).toList()) {
        String text = Files.readString(file, StandardCharsets.ISO_8859_1);
        assertFalse(text.contains(PASSWORD) || text.contains(auth), file::toString);
      }
    }
  }

  private String pod(boolean withPullSecret) {
    return """
        apiVersion: v1
        kind: Pod
        metadata: {name: app}
        spec:
        %s  containers:
            - name: app
              image: %s/team/app:1
              command: [sleep, '100000']
        """.formatted(withPullSecret ? "  imagePullSecrets: [{name: regcred}]\n" : "", host);
  }

  private void awaitRegistry() throws IOException, InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
    while (Instant.now().isBefore(deadline)) {
      assertTrue(registry.isAlive(), "docker-registry exited");
      try {
        HttpURLConnection c = (HttpURLConnection) URI.create("http://" + host + "/v2/").toURL().openConnection();
        c.setConnectTimeout(200);
        int status = c.getResponseCode();
        c.disconnect();
        if (status == 401) {
          return;
        }
      } catch (IOException notYet) {
        // keep polling
      }
      Thread.sleep(100);
    }
    throw new AssertionError("docker-registry did not answer on " + host);
  }
}
