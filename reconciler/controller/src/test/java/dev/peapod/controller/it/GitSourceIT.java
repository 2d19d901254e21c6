package dev.peapod.controller.it;

import static dev.peapod.controller.it.Api.api;
import static dev.peapod.controller.it.Api.await;
import static dev.peapod.controller.it.Api.bootId;
import static dev.peapod.controller.it.Api.logs;
import static dev.peapod.controller.it.Api.source;
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

  private static void write(String pod, String greeting, String extraSpec) throws Exception {
    Files.writeString(GitHome.git.work().resolve("prod/" + pod + ".yaml"), Api.greetingPod(pod, greeting, extraSpec));
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

  @Test
  @Order(1)
  void aPushedPodRunsOnceTheWebhookArrives() throws Exception {
    write("web", "hello", "");
    String commit = GitHome.git.commitAndPush("add web");
    assertEquals(200, webhook(GitHome.SECRET));
    await("web running", () -> bootId("web") != null);
    await("revision applied", () -> source("prod").getString("lastAppliedRevision").equals("main@sha1:" + commit));
    assertEquals("git:" + GitHome.git.url() + "#main//prod",
        api().get("/v1/pods/web").jsonPath().getString("owner"));
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
    await("recreated", () -> {
      String now = bootId("web");
      return now != null && !now.equals(before);
    });
  }

  @Test
  @Order(4)
  void aBrokenCommitChangesNothingAndItsDiagnosticsNameTheCommit() throws Exception {
    String before = bootId("web");
    String applied = source("prod").getString("lastAppliedRevision");
    Files.writeString(GitHome.git.work().resolve("prod/broken.yaml"), "apiVersion: peapod.dev/v1alpha1\nkind: PeaPod\n"
        + "metadata: {name: broken}\nspec:\n  containers: [{name: main, image: it/bb:1, colour: blue}]\n");
    write("web", "not-applied", "  vm:\n    memory: 192Mi\n");
    String broken = GitHome.git.commitAndPush("broken");
    assertEquals(200, webhook(GitHome.SECRET));
    await("diagnostics of the broken commit", () -> source("prod").getString("lastAttemptedRevision")
        .equals("main@sha1:" + broken));
    JsonPath status = source("prod");
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
