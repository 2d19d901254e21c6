package dev.peapod.controller.it;

import static dev.peapod.controller.it.Api.await;
import static dev.peapod.controller.it.Api.condition;
import static dev.peapod.controller.it.Api.logs;
import static dev.peapod.controller.it.Api.pod;
import static dev.peapod.controller.it.Api.source;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/**
 * Health-gated changes: a revision whose containers do not stay up is rolled back to the
 * previous one in the same VM, the source says which revision failed and why, and a later good
 * revision goes through.
 */
@QuarkusTest
@QuarkusTestResource(value = HealthGateHome.class, restrictToAnnotatedClass = true)
class HealthGateIT {

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

  private static boolean running() {
    JsonPath pod = pod("web");
    return "RUNNING".equals(pod.getString("state")) && "RUNNING".equals(pod.getString("containers[0].state"));
  }

  private static String readyReason() {
    return source("pods").getString("conditions.find { it.type == 'Ready' }.reason");
  }

  @Test
  void aRevisionWhoseContainersDoNotStayUpIsRolledBackInTheSameVm() throws Exception {
    write("echo v1 up; exec sleep 100000");
    await("v1 running and Ready", () -> running() && "True".equals(condition("pods", "Ready")));
    String goodRevision = source("pods").getString("lastAppliedRevision");
    String bootId = pod("web").getString("vm.bootId");

    write("echo v2 crashing; sleep 1; exit 1");
    await("v2 rolled back", () -> "HealthCheckFailed".equals(readyReason()));
    await("v1 replaced back", () -> "False".equals(condition("pods", "Reconciling")));
    String message = source("pods").getString("conditions.find { it.type == 'Ready' }.message");
    assertEquals("HealthCheckFailed", source("pods").getString("conditions.find { it.type == 'Ready' }.reason"),
        "Ready keeps saying why until a newer revision comes");
    assertTrue(message.contains("rolled back to " + goodRevision) && message.contains("pod web did not run for 3 s"),
        message);
    await("v1 back and running", () -> running() && logs("web").lines().reduce((a, b) -> b).orElse("").contains("v1 up"));
    assertEquals(bootId, pod("web").getString("vm.bootId"), "rolled back in the same VM");
    assertEquals(goodRevision, source("pods").getString("lastAppliedRevision"));
    Thread.sleep(3000);
    assertTrue(running(), "the failed revision is not applied again while it stays the newest");

    write("echo v3 up; exec sleep 100000");
    await("v3 applied and Ready", () -> "True".equals(condition("pods", "Ready")) && logs("web").contains("v3 up"));
  }
}
