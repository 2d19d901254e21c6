package dev.peapod.controller.it;

import static io.restassured.RestAssured.given;

import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/** What the controller ITs share: the API with the token, waiting for convergence, the test pods. */
final class Api {
  private Api() {}

  /** How long a test waits for the controller to converge: generous, since VMs under TCG on a busy host are slow. */
  static final Duration CONVERGE = Duration.ofSeconds(90);

  /** A condition read from the API; failing to read counts as "not yet". */
  @FunctionalInterface
  interface Check {
    boolean holds() throws Exception;
  }

  static String token() {
    return token(ControllerHome.home);
  }

  /** The token the controller serving {@code home} made at its first start. */
  static String token(Path home) {
    try {
      return Files.readString(home.resolve("api-token")).trim();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A request over TCP with the bearer token. */
  static RequestSpecification api() {
    return api(ControllerHome.home);
  }

  /** A request over TCP with the bearer token of the controller serving {@code home}. */
  static RequestSpecification api(Path home) {
    return given().header("Authorization", "Bearer " + token(home));
  }

  static void await(String what, Check condition) throws InterruptedException {
    await(CONVERGE, what, condition);
  }

  static void await(Duration within, String what, Check condition) throws InterruptedException {
    Instant deadline = Instant.now().plus(within);
    while (Instant.now().isBefore(deadline)) {
      try {
        if (condition.holds()) {
          return;
        }
      } catch (Exception | AssertionError e) {
        // not there yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError("not within " + within + ": " + what);
  }

  /** A one-container pod that prints {@code greeting=GREETING} and sleeps; {@code extraSpec} goes under spec. */
  static String greetingPod(String pod, String greeting, String extraSpec) {
    return """
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
        %s""".formatted(pod, greeting, extraSpec);
  }

  static JsonPath pod(String name) {
    return api().get("/v1/pods/" + name).then().extract().jsonPath();
  }

  /** The boot id of the pod's VM while it and its container run, else null. */
  static String bootId(String name) {
    JsonPath pod = pod(name);
    return "RUNNING".equals(pod.getString("state")) && "RUNNING".equals(pod.getString("containers[0].state"))
        ? pod.getString("vm.bootId") : null;
  }

  /** Everything container {@code main} of the pod wrote. */
  static String logs(String name) {
    return api().queryParam("container", "main").get("/v1/pods/" + name + "/logs").asString();
  }

  static JsonPath source(String name) {
    return api().get("/v1/sources/" + name).then().statusCode(200).extract().jsonPath();
  }

  /** The status (True, False, Unknown) of a source's condition. */
  static String condition(String source, String type) {
    return source(source).getString("conditions.find { it.type == '" + type + "' }.status");
  }
}
