package dev.peapod.controller.it;

import static dev.peapod.controller.it.Api.api;
import static dev.peapod.controller.it.Api.await;
import static dev.peapod.controller.it.Api.logs;
import static dev.peapod.controller.it.Api.token;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The API beyond the sources: pods made, changed and removed by hand through it (as the CLI
 * would), plans of posted manifests, errors as problem+json, images, version and the event stream.
 */
@QuarkusTest
@QuarkusTestResource(value = ControllerHome.class, restrictToAnnotatedClass = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ApiIT {

  private static final String MANIFEST = """
      apiVersion: peapod.dev/v1alpha1
      kind: PeaPod
      metadata:
        name: handmade
      spec:
        containers:
          - name: main
            image: it/bb:1
            command: [sh, -c, 'echo made by hand; exec sleep 100000']
      """;

  @Test
  @Order(1)
  void aPlanOfPostedManifestsHasThePlanSchemaAndChangesNothing() throws Exception {
    api().contentType("application/yaml").body(MANIFEST.getBytes(StandardCharsets.UTF_8)).post("/v1/plan").then().statusCode(200)
        .body("formatVersion", equalTo("1"))
        .body("owner", equalTo("api:plan"))
        .body("changes[0].pod", equalTo("handmade"))
        .body("changes[0].action", equalTo("create"))
        .body("changes[0].reasons[0].kind", equalTo("CreateBecauseNew"));
    api().get("/v1/pods/handmade").then().statusCode(404).contentType("application/problem+json")
        .body("detail", containsString("handmade"));
  }

  @Test
  @Order(2)
  void anInvalidManifestIs422WithEveryDiagnostic() throws Exception {
    api().contentType("application/yaml").body(MANIFEST.replace("command:", "colour: blue\n      command:")
        .replace("image: it/bb:1", "image: it/bb:1\n      size: huge").getBytes(StandardCharsets.UTF_8))
        .queryParam("fieldValidation", "Strict")
        .post("/v1/pods").then().statusCode(422).contentType("application/problem+json")
        .body("title", equalTo("Invalid manifest"))
        .body("diagnostics", hasItem(containsString("request:9:7: spec.containers[0].size: unknown field")))
        .body("diagnostics", hasItem(containsString("request:10:7: spec.containers[0].colour: unknown field")));
    api().contentType("application/yaml").body(MANIFEST.getBytes(StandardCharsets.UTF_8))
        .queryParam("fieldValidation", "strict").post("/v1/pods").then().statusCode(400)
        .body("detail", containsString("fieldValidation is Strict, Warn or Ignore"));
    // As Kubernetes' API server: by default an unknown field is dropped and said in a Warning header.
    String dropped = MANIFEST.replace("name: handmade", "name: dropped").replace("spec:\n", "spec:\n  state: Created\n")
        .replace("command:", "colour: blue\n      command:");
    api().contentType("application/yaml").body(dropped.getBytes(StandardCharsets.UTF_8)).post("/v1/pods").then()
        .statusCode(201).body("name", equalTo("dropped"))
        .header("Warning", equalTo("299 - \"request:10:7: warning: spec.containers[0].colour: unknown field (dropped)\""));
    api().delete("/v1/pods/dropped").then().statusCode(204);
    api().post("/v1/sources/nosuch/sync").then().statusCode(404).body("detail", equalTo("no source named \"nosuch\""));
  }

  @Test
  @Order(3)
  void aPodPostedIsCreatedAndStartedOwnedByCliAndLeftAloneByTheSources() throws Exception {
    CompletableFuture<String> events = CompletableFuture.supplyAsync(ApiIT::firstCreatedEvent);
    api().contentType("application/yaml").body(MANIFEST.getBytes(StandardCharsets.UTF_8)).post("/v1/pods").then().statusCode(201)
        .body("name", equalTo("handmade")).body("state", equalTo("RUNNING")).body("owner", equalTo("cli"))
        .body("message", equalTo("")).body("containers[0].name", equalTo("main"))
        .body("containers[0].state", equalTo("RUNNING"));
    // At once: the POST's engine closes its guest connection beside the answer, and this look makes its own
    // (the guest's control port takes one connection at a time) and asks the guest as the POST's did.
    api().get("/v1/pods/handmade").then().statusCode(200).body("state", equalTo("RUNNING"))
        .body("message", equalTo("")).body("containers[0].state", equalTo("RUNNING"));
    await("its output in the logs", () -> logs("handmade").contains("made by hand"));
    assertTrue(events.get(60, TimeUnit.SECONDS).contains("\"name\":\"handmade\""));
    Thread.sleep(3000); // the drift check its creation announces, a source interval: nothing removes it
    api().get("/v1/pods/handmade").then().statusCode(200).body("state", equalTo("RUNNING"));
    // The list shows what ps -o json shows: its containers, and ready since its one container runs.
    api().get("/v1/pods").then().statusCode(200)
        .body("find { it.name == 'handmade' }.ready", equalTo(true))
        .body("find { it.name == 'handmade' }.containers[0].name", equalTo("main"));
  }

  @Test
  @Order(4)
  void execOverAWebSocketPassesStdinOutputAndTheExitCode() throws Exception {
    ExecClient plain = ExecClient.open(port(), token(), "handmade",
        "container=main&command=sh&command=-c&command=" + java.net.URLEncoder.encode(
            "read line; echo \"got $line\"; echo oops >&2; exit 7", StandardCharsets.UTF_8));
    plain.stdin("hello\n");
    ExecClient.Result result = plain.await();
    assertEquals(7, result.exitCode(), result::toString);
    assertEquals("got hello\n", result.stdout());
    assertEquals("oops\n", result.stderr());

    ExecClient tty = ExecClient.open(port(), token(), "handmade",
        "container=main&tty=true&rows=30&cols=100&command=sh&command=-c&command="
            + java.net.URLEncoder.encode("stty size; tty", StandardCharsets.UTF_8));
    ExecClient.Result onTerminal = tty.await();
    assertEquals(0, onTerminal.exitCode(), onTerminal::toString);
    assertTrue(onTerminal.stdout().contains("30 100") && onTerminal.stdout().contains("/dev/pts/"), onTerminal::toString);

    ExecClient refused = ExecClient.open(port(), token(), "nosuch", "container=main&command=true");
    ExecClient.Result none = refused.await();
    assertEquals(-1, none.exitCode(), none::toString);
    assertTrue(none.error().contains("nosuch"), none::toString);
  }

  @Test
  @Order(4)
  void attachOverAWebSocketReachesTheMainProcessAndEndsWithItsExit() throws Exception {
    String talker = MANIFEST.replace("name: handmade", "name: talker").replace(
        "command: [sh, -c, 'echo made by hand; exec sleep 100000']",
        "command: [sh, -c, 'while read l; do [ \"$l\" = stop ] && exit 4; echo \"got $l\"; done']\n"
            + "      stdin: true");
    api().contentType("application/yaml").body(talker.getBytes(StandardCharsets.UTF_8)).post("/v1/pods").then()
        .statusCode(201);

    ExecClient first = ExecClient.open(port(), token(), "talker", "attach", "container=main&stdin=true");
    first.stdin("one\n");
    await("the first client's output", () -> first.stdoutSoFar().contains("got one\n"));
    first.close();
    ExecClient second = ExecClient.open(port(), token(), "talker", "attach", "container=main&stdin=true");
    second.stdin("two\nstop\n");
    ExecClient.Result ended = second.await();
    assertEquals(4, ended.exitCode(), ended::toString);
    assertEquals("got two\n", ended.stdout(), "the detached process kept its stdin for the next client");

    ExecClient refused = ExecClient.open(port(), token(), "handmade", "attach", "container=main&stdin=true");
    ExecClient.Result noStdin = refused.await();
    assertEquals(-1, noStdin.exitCode(), noStdin::toString);
    assertTrue(noStdin.error().contains("stdin"), noStdin::toString);
    api().post("/v1/pods/talker/stop?grace=0").then().statusCode(200);
    api().delete("/v1/pods/talker").then().statusCode(204);
  }

  /**
   * A Secret posted with the pod that uses it resolves as in a file given to {@code run -f}: the
   * container sees the value in its environment and in its secret volume, while the response, the
   * logs and every file of the home hold only references and hashes.
   */
  @Test
  @Order(4)
  void aSecretPostedWithItsPodReachesTheVmAndNothingElse() throws Exception {
    String value = "s3cr3t-" + java.util.UUID.randomUUID();
    String md5 = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5")
        .digest(value.getBytes(StandardCharsets.UTF_8)));
    String body = """
        apiVersion: v1
        kind: Secret
        metadata:
          name: db
        stringData:
          password: %s
        ---
        apiVersion: peapod.dev/v1alpha1
        kind: PeaPod
        metadata:
          name: withsecret
        spec:
          containers:
            - name: main
              image: it/bb:1
              command: [sh, -c, 'echo "env $(printf %%s "$PASSWORD" | md5sum)"; echo "file $(md5sum < /etc/db/password)"; exec sleep 100000']
              env:
                - name: PASSWORD
                  valueFrom: {secretKeyRef: {name: db, key: password}}
              volumeMounts:
                - {name: db, mountPath: /etc/db}
          volumes:
            - name: db
              secret: {secretName: db}
        """.formatted(value);
    String response = api().contentType("application/yaml").body(body.getBytes(StandardCharsets.UTF_8))
        .post("/v1/pods").then().statusCode(201).body("name", equalTo("withsecret"))
        .body("state", equalTo("RUNNING")).extract().asString();
    await("the container's digests in its logs", () -> logs("withsecret").contains("file " + md5));
    String logs = logs("withsecret");
    assertTrue(logs.contains("env " + md5), logs);
    assertTrue(!response.contains(value), response);
    assertTrue(!logs.contains(value), logs);
    assertTrue(!api().get("/v1/pods/withsecret").then().statusCode(200).extract().asString().contains(value));
    byte[] needle = value.getBytes(StandardCharsets.UTF_8);
    try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.walk(ControllerHome.home)) {
      for (java.nio.file.Path f : (Iterable<java.nio.file.Path>) files::iterator) {
        if (java.nio.file.Files.isRegularFile(f) && java.nio.file.Files.size(f) < 64L * 1024 * 1024) {
          byte[] bytes = java.nio.file.Files.readAllBytes(f);
          assertTrue(indexOf(bytes, needle) < 0, "the Secret's value is in " + f);
        }
      }
    }
    api().post("/v1/pods/withsecret/stop?grace=0").then().statusCode(200);
    api().delete("/v1/pods/withsecret").then().statusCode(204);
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static int port() {
    return io.restassured.RestAssured.port;
  }

  @Test
  @Order(5)
  void stopStartAndDeleteByHand() throws Exception {
    api().post("/v1/pods/handmade/stop?grace=0").then().statusCode(200).body("state", equalTo("CREATED"));
    api().delete("/v1/pods/handmade").then().statusCode(204);
    api().get("/v1/pods/handmade").then().statusCode(404);
    api().delete("/v1/pods/handmade").then().statusCode(404);
  }

  @Test
  @Order(6)
  void imagesAndVersion() throws Exception {
    api().get("/v1/images").then().statusCode(200).body("references.flatten()", hasItem(containsString("it/bb:1")));
    api().get("/v1/version").then().statusCode(200).body("api", equalTo("v1"))
        .body("home", equalTo(ControllerHome.home.toString()));
    String openapi = api().get("/q/openapi").then().statusCode(200).extract().asString();
    assertTrue(openapi.contains("/v1/pods/{name}"), openapi);
  }

  /** Reads the event stream until an event about creating {@code handmade}; returns that line. */
  private static String firstCreatedEvent() {
    try {
      int port = ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
      if (port == 0) {
        port = io.restassured.RestAssured.port;
      }
      HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/v1/events").toURL()
          .openConnection();
      c.setRequestProperty("Authorization", "Bearer " + token());
      c.setReadTimeout(60_000);
      Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
      try (BufferedReader in = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null && Instant.now().isBefore(deadline)) {
          if (line.startsWith("data:") && line.contains("\"reason\":\"Created\"") && line.contains("handmade")) {
            return line;
          }
        }
      }
      throw new AssertionError("no Created event for handmade");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

}
