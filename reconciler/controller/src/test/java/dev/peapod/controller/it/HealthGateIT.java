package dev.peapod.controller.it;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Health-gated changes: a revision whose containers do not stay up is rolled back to the
 * previous one in the same VM, the source says which revision failed and why, and a later good
 * revision goes through.
 */
@QuarkusTest
@QuarkusTestResource(value = HealthGateHome.class, restrictToAnnotatedClass = true)
class HealthGateIT {

  private static String token() throws Exception {
    return Files.readString(ControllerHome.home.resolve("api-token")).trim();
  }

  private static void write(String command) throws Exception {
    Files.writeString(ControllerHome.pods.resolve("web.yaml"), """
        apiVersion: peapod.dev/v1alpha1
        kind: PeaPod
        metadata:
          name: web
        spec:
          containers:
            - name: main
              image: it/bb:1
              command: [sh, -c, '%s']
        """.formatted(command));
  }

  private static JsonPath pod() throws Exception {
    return given().header("Authorization", "Bearer " + token()).get("/v1/pods/web").jsonPath();
  }

  private static JsonPath source() throws Exception {
    return given().header("Authorization", "Bearer " + token()).get("/v1/sources/pods").jsonPath();
  }

  private static String logs() throws Exception {
    return given().header("Authorization", "Bearer " + token()).queryParam("container", "main")
        .get("/v1/pods/web/logs").asString();
  }

  private static void await(String what, Supplier<Boolean> condition) throws InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(120));
    while (Instant.now().isBefore(deadline)) {
      try {
        if (condition.get()) {
          return;
        }
      } catch (RuntimeException | AssertionError e) {
        // not yet
      }
      Thread.sleep(250);
    }
    throw new AssertionError("not within 120 s: " + what);
  }

  private static boolean running() {
    try {
      JsonPath pod = pod();
      return "RUNNING".equals(pod.getString("state")) && "RUNNING".equals(pod.getString("containers[0].state"));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aRevisionWhoseContainersDoNotStayUpIsRolledBackInTheSameVm() throws Exception {
    write("echo v1 up; exec sleep 100000");
    await("v1 running and Ready", () -> {
      try {
        return running() && "True".equals(source().getString("conditions.find { it.type == 'Ready' }.status"));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    String goodRevision = source().getString("lastAppliedRevision");
    String bootId = pod().getString("vm.bootId");

    write("echo v2 crashing; sleep 1; exit 1");
    await("v2 rolled back", () -> {
      try {
        return "HealthCheckFailed".equals(source().getString("conditions.find { it.type == 'Ready' }.reason"));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    await("v1 replaced back", () -> {
      try {
        return "False".equals(source().getString("conditions.find { it.type == 'Reconciling' }.status"));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    String message = source().getString("conditions.find { it.type == 'Ready' }.message");
    assertEquals("HealthCheckFailed", source().getString("conditions.find { it.type == 'Ready' }.reason"),
        "Ready keeps saying why until a newer revision comes");
    assertTrue(message.contains("rolled back to " + goodRevision) && message.contains("pod web did not run for 3 s"),
        message);
    await("v1 back and running", () -> {
      try {
        return running() && logs().lines().reduce((a, b) -> b).orElse("").contains("v1 up");
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    assertEquals(bootId, pod().getString("vm.bootId"), "rolled back in the same VM");
    assertEquals(goodRevision, source().getString("lastAppliedRevision"));
    Thread.sleep(3000);
    assertTrue(running(), "the failed revision is not applied again while it stays the newest");

    write("echo v3 up; exec sleep 100000");
    await("v3 applied and Ready", () -> {
      try {
        return "True".equals(source().getString("conditions.find { it.type == 'Ready' }.status"))
            && logs().contains("v3 up");
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }
}
