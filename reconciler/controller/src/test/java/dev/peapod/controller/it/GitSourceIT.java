package dev.peapod.controller.it;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.function.Supplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * GitOps end to end: commits pushed to a repository on git daemon, a signed webhook, and the pods
 * of its {@code prod/} directory converging in real VMs. The source's interval is ten minutes, so
 * only the webhook brings a commit in within the test's time.
 */
@QuarkusTest
@QuarkusTestResource(value = GitHome.class, restrictToAnnotatedClass = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GitSourceIT {

  private static final Duration CONVERGE = Duration.ofSeconds(90);

  private static String token() {
    try {
      return Files.readString(ControllerHome.home.resolve("api-token")).trim();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void write(String pod, String greeting, String extraSpec) throws Exception {
    Files.writeString(GitHome.git.work().resolve("prod/" + pod + ".yaml"), """
        apiVersion: peapod.dev/v1alpha1
        kind: PeaPod
        metadata:
          name: %s
        spec:
          containers:
            - name: main
              image: it/bb:1
              command: [sh, -c, 'echo "greeting=$GREETING"; exec sleep 100000']
              env:
                - {name: GREETING, value: %s}
        %s""".formatted(pod, greeting, extraSpec));
  }

  /** What a git server sends on a push: a JSON body signed with the shared secret. */
  private static int webhook(String secret) throws Exception {
    byte[] body = "{\"ref\":\"refs/heads/main\"}".getBytes(StandardCharsets.UTF_8);
    var request = given().contentType("application/json").body(body);
    if (secret != null) {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      request = request.header("X-Hub-Signature-256", "sha256=" + HexFormat.of().formatHex(mac.doFinal(body)));
    }
    return request.post("/v1/sources/prod/webhook").statusCode();
  }

  private static JsonPath source() {
    return given().header("Authorization", "Bearer " + token()).get("/v1/sources/prod").then().statusCode(200)
        .extract().jsonPath();
  }

  private static String bootId(String name) {
    JsonPath pod = given().header("Authorization", "Bearer " + token()).get("/v1/pods/" + name).jsonPath();
    return "RUNNING".equals(pod.getString("state")) && "RUNNING".equals(pod.getString("containers[0].state"))
        ? pod.getString("vm.bootId") : null;
  }

  private static String logs(String name) {
    return given().header("Authorization", "Bearer " + token()).queryParam("container", "main")
        .get("/v1/pods/" + name + "/logs").asString();
  }

  private static void await(Duration within, String what, Supplier<Boolean> condition) throws InterruptedException {
    Instant deadline = Instant.now().plus(within);
    while (Instant.now().isBefore(deadline)) {
      try {
        if (condition.get()) {
          return;
        }
      } catch (RuntimeException | AssertionError e) {
        // not there yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError("not within " + within + ": " + what);
  }

  @Test
  @Order(1)
  void aPushedPodRunsOnceTheWebhookArrives() throws Exception {
    write("web", "hello", "");
    String commit = GitHome.git.commitAndPush("add web");
    assertEquals(200, webhook(GitHome.SECRET));
    await(CONVERGE, "web running", () -> bootId("web") != null);
    await(CONVERGE, "revision applied", () -> source().getString("lastAppliedRevision").equals("main@sha1:" + commit));
    assertEquals("git:" + GitHome.git.url() + "#main//prod",
        given().header("Authorization", "Bearer " + token()).get("/v1/pods/web").jsonPath().getString("owner"));
  }

  @Test
  @Order(2)
  void anEnvChangeIsReplacedInTheSameVmWithinTenSecondsOfTheWebhook() throws Exception {
    String before = bootId("web");
    write("web", "changed", "");
    GitHome.git.commitAndPush("change env");
    Instant hook = Instant.now();
    assertEquals(200, webhook(GitHome.SECRET));
    await(Duration.ofSeconds(10), "replaced within 10 s of the webhook",
        () -> logs("web").contains("greeting=changed") && bootId("web") != null);
    System.out.printf("webhook-to-replaced: %d ms%n", Duration.between(hook, Instant.now()).toMillis());
    assertEquals(before, bootId("web"), "same VM");
  }

  @Test
  @Order(3)
  void aMemoryChangeIsARecreate() throws Exception {
    String before = bootId("web");
    write("web", "changed", "  vm:\n    memory: 192Mi\n");
    GitHome.git.commitAndPush("more memory");
    assertEquals(200, webhook(GitHome.SECRET));
    await(CONVERGE, "recreated", () -> {
      String now = bootId("web");
      return now != null && !now.equals(before);
    });
  }

  @Test
  @Order(4)
  void aBrokenCommitChangesNothingAndItsDiagnosticsNameTheCommit() throws Exception {
    String before = bootId("web");
    String applied = source().getString("lastAppliedRevision");
    Files.writeString(GitHome.git.work().resolve("prod/broken.yaml"), "apiVersion: peapod.dev/v1alpha1\nkind: PeaPod\n"
        + "metadata: {name: broken}\nspec:\n  containers: [{name: main, image: it/bb:1, colour: blue}]\n");
    write("web", "not-applied", "  vm:\n    memory: 192Mi\n");
    String broken = GitHome.git.commitAndPush("broken");
    assertEquals(200, webhook(GitHome.SECRET));
    await(CONVERGE, "diagnostics of the broken commit", () -> source().getString("lastAttemptedRevision")
        .equals("main@sha1:" + broken));
    JsonPath status = source();
    assertEquals(applied, status.getString("lastAppliedRevision"), "the last good revision stays applied");
    assertTrue(status.getList("diagnostics", String.class).stream()
        .anyMatch(d -> d.startsWith("prod/broken.yaml:5:") && d.contains("colour: unknown field")),
        status.prettify());
    assertEquals("ValidationFailed", status.getString("conditions.find { it.type == 'Ready' }.reason"));
    Thread.sleep(2000);
    assertEquals(before, bootId("web"));
    assertTrue(!logs("web").contains("not-applied"));
  }

  @Test
  @Order(5)
  void aWebhookWithoutTheSignatureIsRefused() throws Exception {
    assertEquals(401, webhook(null));
    assertEquals(401, webhook("not-the-secret"));
  }
}
