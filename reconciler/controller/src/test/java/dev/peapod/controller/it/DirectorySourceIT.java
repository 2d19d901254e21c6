package dev.peapod.controller.it;

import static dev.peapod.controller.it.Api.api;
import static dev.peapod.controller.it.Api.await;
import static dev.peapod.controller.it.Api.bootId;
import static dev.peapod.controller.it.Api.condition;
import static dev.peapod.controller.it.Api.logs;
import static dev.peapod.controller.it.Api.pod;
import static dev.peapod.controller.it.Api.source;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peapod.provider.PodState;
import dev.peapod.provider.qemu.QemuProvider;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The controller end to end over a directory source, with real VMs: the test edits the directory
 * as a user (or a git checkout) would and changes pods behind the controller's back, and watches
 * the API until the pods are as the directory says. One scenario, in order.
 */
@QuarkusTest
@QuarkusTestResource(value = ControllerHome.class, restrictToAnnotatedClass = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DirectorySourceIT {

  private static void write(String pod, String greeting, String extraSpec) throws IOException {
    Files.writeString(ControllerHome.pods.resolve(pod + ".yaml"), Api.greetingPod(pod, greeting, extraSpec));
  }

  @Test
  @Order(1)
  void aDeclaredPodIsCreatedAndStarted() throws Exception {
    write("web", "hello", "");
    await("web running", () -> bootId("web") != null);
    JsonPath web = pod("web");
    assertEquals("dir:" + ControllerHome.pods, web.getString("owner"));
    await("the source is Ready", () -> condition("pods", "Ready").equals("True"));
    assertTrue(logs("web").contains("greeting=hello"));
    given().get("/q/health/ready").then().statusCode(200);
  }

  @Test
  @Order(2)
  void anEnvChangeIsAReplaceInTheSameVm() throws Exception {
    String before = bootId("web");
    write("web", "changed", "");
    await("web replaced", () -> logs("web").contains("greeting=changed"));
    await("web running again", () -> bootId("web") != null);
    assertEquals(before, bootId("web"), "same VM: a replace keeps the boot id");
  }

  @Test
  @Order(3)
  void aVmLevelChangeIsARecreate() throws Exception {
    String before = bootId("web");
    write("web", "changed", "  vm:\n    memory: 192Mi\n");
    await("web recreated", () -> {
      String now = bootId("web");
      return now != null && !now.equals(before);
    });
    assertEquals(192, pod("web").getInt("memoryMiB"));
  }

  @Test
  @Order(4)
  void aBrokenManifestChangesNothingAndSaysWhereItIsBroken() throws Exception {
    String before = bootId("web");
    Files.writeString(ControllerHome.pods.resolve("broken.yaml"), """
        apiVersion: peapod.dev/v1alpha1
        kind: PeaPod
        metadata: {name: broken}
        spec:
          containers: [{name: main, image: it/bb:1, colour: blue}]
        """);
    write("web", "not-applied", "  vm:\n    memory: 192Mi\n");
    await("the source reports the diagnostics", () -> condition("pods", "Ready").equals("False")
        && source("pods").getList("diagnostics", String.class).stream()
            .anyMatch(d -> d.contains("broken.yaml:5:") && d.contains("colour: unknown field")));
    assertEquals("ValidationFailed", source("pods").getString("conditions.find { it.type == 'Ready' }.reason"));
    Thread.sleep(3000);
    assertEquals(before, bootId("web"), "the last good revision keeps running");
    assertTrue(!logs("web").contains("not-applied"));
    assertEquals(404, api().get("/v1/pods/broken").statusCode());
    Files.delete(ControllerHome.pods.resolve("broken.yaml"));
    write("web", "changed", "  vm:\n    memory: 192Mi\n");
    await("the source is Ready again", () -> condition("pods", "Ready").equals("True"));
  }

  @Test
  @Order(5)
  void aVmThatDiesIsStartedAgain() throws Exception {
    String before = bootId("web");
    long pid = pod("web").getLong("vm.pid");
    ProcessHandle.of(pid).orElseThrow().destroyForcibly();
    await("web restarted", () -> {
      String now = bootId("web");
      return now != null && !now.equals(before);
    });
    // Found through the VM's lifeline, not by the periodic re-read (10 minutes apart in these tests).
    String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
    assertTrue(metrics.lines().anyMatch(l -> l.startsWith("peapod_provider_events_total{kind=\"vm_ended\"}")),
        "the controller heard the VM end");
    assertTrue(metrics.lines().anyMatch(l -> l.startsWith("peapod_actual_reads_total{trigger=\"event\"}")),
        "an event brought a drift check");
  }

  @Test
  @Order(6)
  void aPodRemovedByHandIsCreatedAgain() throws Exception {
    try (QemuProvider provider = ControllerHome.provider()) {
      provider.remove("web", Duration.ZERO);
    }
    Files.deleteIfExists(ControllerHome.home.resolve("applied/web.json"));
    await("web created again", () -> bootId("web") != null);
  }

  @Test
  @Order(7)
  void aSuspendedSourceLeavesHandChangesAlone() throws Exception {
    api().post("/v1/sources/pods/suspend").then().statusCode(200)
        .body("suspended", equalTo(true));
    try (QemuProvider provider = ControllerHome.provider()) {
      provider.stop("web", Duration.ZERO);
    }
    Thread.sleep(4000); // the stop's events and more than the source interval
    assertEquals("CREATED", pod("web").getString("state"), "suspended: the hand stop stays");
    api().post("/v1/sources/pods/resume").then().statusCode(200);
    await("web running after resume", () -> bootId("web") != null);
    List<Map<String, Object>> recent = pod("web").getList("events");
    assertTrue(recent.stream().anyMatch(e -> "Started".equals(e.get("reason"))), recent::toString);
  }

  @Test
  @Order(8)
  void tcpNeedsTheTokenExceptForHealthAndMetrics() throws Exception {
    given().get("/v1/pods").then().statusCode(401).contentType("application/problem+json");
    given().header("Authorization", "Bearer not-the-token").get("/v1/pods").then().statusCode(401);
    given().get("/q/openapi").then().statusCode(401);
    given().get("/q/health/live").then().statusCode(200);
    String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
    assertTrue(metrics.contains("peapod_reconcile_duration_seconds"), "reconcile histogram");
    assertTrue(metrics.contains("peapod_actions_total{action=\"create\""), "actions by kind");
    assertTrue(metrics.contains("peapod_queue_depth"), "queue depth");
    assertTrue(metrics.contains("peapod_pods{state=\"running\"}"), "pods by state");
    assertTrue(metrics.contains("peapod_source_last_sync_seconds{source=\"pods\"}"), "last sync time");
    assertEquals("rw-------", PosixFilePermissions.toString(
        Files.getPosixFilePermissions(ControllerHome.home.resolve("api-token"))));
  }

  /**
   * The chart's Grafana dashboard queries only what a real controller serves: by now this one has
   * created, started, replaced, recreated and booted pods and read a broken revision, so every
   * family the dashboard uses has samples. A renamed metric, or a panel querying one that does not
   * exist, fails here instead of showing "No data" on someone's Grafana.
   */
  @Test
  @Order(8)
  void everyMetricTheGrafanaDashboardQueriesIsServed() throws Exception {
    JsonNode dashboard = new ObjectMapper().readTree(
        ControllerHome.REPO.resolve("charts/peapod/dashboards/peapod.json").toFile());
    Set<String> queried = new TreeSet<>();
    for (JsonNode expr : dashboard.findValues("expr")) {
      Matcher metric = Pattern.compile("\\bpeapod_[a-z0-9_]+").matcher(expr.asText());
      while (metric.find()) {
        queried.add(metric.group());
      }
    }
    assertTrue(queried.containsAll(List.of("peapod_reconcile_duration_seconds_bucket", "peapod_queue_depth",
        "peapod_actions_total", "peapod_pods", "peapod_boot_duration_seconds_bucket",
        "peapod_source_last_sync_seconds", "peapod_source_sync_failures_total")), queried::toString);
    Set<String> served = new TreeSet<>();
    given().get("/q/metrics").then().statusCode(200).extract().asString().lines()
        .filter(line -> line.startsWith("peapod_"))
        .forEach(line -> served.add(line.split("[{ ]", 2)[0]));
    Set<String> missing = new TreeSet<>(queried);
    missing.removeAll(served);
    assertEquals(Set.of(), missing, "queried by the dashboard but not served; served: " + served);
  }

  @Test
  @Order(9)
  void theUnixSocketServesWithoutAToken() throws Exception {
    Path socket = ControllerHome.home.resolve("peapod.sock");
    assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
    try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      channel.write(ByteBuffer.wrap("GET /v1/version HTTP/1.1\r\nHost: peapod\r\nConnection: close\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII)));
      ByteBuffer buffer = ByteBuffer.allocate(65536);
      while (channel.read(buffer) >= 0) {
        // read to the end
      }
      String response = new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
      assertTrue(response.startsWith("HTTP/1.1 200"), response);
      assertTrue(response.contains("\"api\":\"v1\""), response);
    }
  }

  @Test
  @Order(10)
  void aPodNoLongerDeclaredIsRemoved() throws Exception {
    write("extra", "hi", "");
    await("extra running", () -> bootId("extra") != null);
    Files.delete(ControllerHome.pods.resolve("extra.yaml"));
    await("extra removed", () -> api().get("/v1/pods/extra").statusCode() == 404);
    assertNotEquals(null, bootId("web"), "web stays");
    try (QemuProvider provider = ControllerHome.provider()) {
      assertEquals(PodState.RUNNING, provider.inventory().get(0).state());
    }
  }

  @Test
  @Order(11)
  void theCliTalksToTheControllerOverItsSocket() throws Exception {
    String sources = peapod("sources");
    assertTrue(sources.lines().anyMatch(l -> l.startsWith("pods ") && l.contains("True")), sources);
    assertTrue(peapod("suspend", "pods").contains("Suspended pods"));
    assertEquals(true, source("pods").getBoolean("suspended"));
    assertTrue(peapod("resume", "pods").contains("Resumed pods"));
    assertEquals(false, source("pods").getBoolean("suspended"));
    String ps = peapod("ps");
    assertTrue(ps.lines().anyMatch(l -> l.startsWith("web ") && l.endsWith("dir:" + ControllerHome.pods)), ps);
  }

  /**
   * A pod that takes a variable from a Secret beside it: the container gets the value (it prints
   * its MD5, so its log holds no value), a VM that dies is started again by the controller with
   * the value read from the source again, a rotated Secret replaces the container in the same VM,
   * and no answer of the API (pods, sources, logs) nor any file of the home holds a value.
   */
  @Test
  @Order(12)
  void aSecretReachesItsPodAcrossARestartAndNoAnswerHoldsIt() throws Exception {
    String value = "ctl-s3cret-1234";
    String rotated = "ctl-s3cret-rotated-5678";
    writeSecret(value);
    Files.writeString(ControllerHome.pods.resolve("vault.yaml"), """
        apiVersion: v1
        kind: Pod
        metadata: {name: vault}
        spec:
          containers:
            - name: main
              image: it/bb:1
              command: [sh, -c, 'echo "md5=$(printf %s "$TOKEN" | md5sum)"; exec sleep 100000']
              envFrom: [{secretRef: {name: vault-token}}]
        """);
    await("vault running", () -> bootId("vault") != null);
    await("vault's container got the value", () -> logs("vault").contains("md5=" + md5(value)));

    String before = bootId("vault");
    ProcessHandle.of(pod("vault").getLong("vm.pid")).orElseThrow().destroyForcibly();
    await("vault restarted with its Secret", () -> {
      String now = bootId("vault");
      return now != null && !now.equals(before) && logs("vault").contains("md5=" + md5(value));
    });

    String booted = bootId("vault");
    writeSecret(rotated);
    await("the rotated value reached the container", () -> logs("vault").contains("md5=" + md5(rotated)));
    assertEquals(booted, bootId("vault"), "a rotated Secret keeps the VM");

    List<String> answers = List.of(api().get("/v1/pods").asString(), api().get("/v1/pods/vault").asString(),
        api().get("/v1/sources").asString(), api().get("/v1/sources/pods").asString(),
        logs("vault"));
    for (String answer : answers) {
      assertTrue(!answer.contains(value) && !answer.contains(rotated), answer);
    }
    assertTrue(api().get("/v1/pods/vault").asString().contains("secretEnv")
        || api().get("/v1/pods/vault").asString().contains("vault-token"), "the API says where TOKEN comes from");
    try (var files = Files.walk(ControllerHome.home)) {
      for (Path file : files.filter(Files::isRegularFile).filter(f -> !f.startsWith(ControllerHome.pods)).toList()) {
        String text;
        try {
          text = Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (IOException gone) {
          continue; // a socket, or a file removed meanwhile
        }
        assertTrue(!text.contains(value) && !text.contains(rotated), file::toString);
      }
    }
    Files.delete(ControllerHome.pods.resolve("vault.yaml"));
    await("vault removed", () -> api().get("/v1/pods/vault").statusCode() == 404);
  }

  private static void writeSecret(String token) throws IOException {
    Files.writeString(ControllerHome.pods.resolve("vault-token.yaml"), """
        apiVersion: v1
        kind: Secret
        metadata: {name: vault-token}
        stringData: {TOKEN: %s}
        """.formatted(token));
  }

  private static String md5(String value) throws Exception {
    return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5")
        .digest(value.getBytes(StandardCharsets.UTF_8)));
  }

  /** {@code ./peapod ARGS} against the test's home; its stdout, after asserting it exited 0. */
  private static String peapod(String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of(ControllerHome.REPO.resolve("peapod").toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("PEAPOD_HOME", ControllerHome.home.toString());
    Process process = builder.start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, process.waitFor(), out);
    return out;
  }
}
