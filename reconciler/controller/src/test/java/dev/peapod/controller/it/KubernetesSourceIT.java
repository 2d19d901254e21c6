package dev.peapod.controller.it;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.provider.PodState;
import dev.peapod.provider.PodStatus;
import dev.peapod.provider.qemu.QemuProvider;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * {@code peapod serve} with a {@code k8s:} source runs the node agent: a PeaPod bound to its node
 * is created, reported Ready and removed on deletion, through the controller's engines; the agent
 * is listed with the other sources.
 */
@QuarkusTest
@QuarkusTestResource(value = KubernetesHome.class, restrictToAnnotatedClass = true)
class KubernetesSourceIT {

  private static final ResourceDefinitionContext PEAPODS = new ResourceDefinitionContext.Builder()
      .withGroup("peapod.dev").withVersion("v1alpha1").withKind("PeaPod").withPlural("peapods").withNamespaced(true)
      .build();

  private static Resource<GenericKubernetesResource> web() {
    return KubernetesHome.client.genericKubernetesResources(PEAPODS).inNamespace("default").withName("web");
  }

  private static Optional<PodStatus> inspect(String pod) {
    try (QemuProvider provider = KubernetesHome.provider()) {
      return provider.inspect(pod);
    }
  }

  @SuppressWarnings("unchecked")
  private static String ready() {
    GenericKubernetesResource r = web().get();
    Map<String, Object> status = r == null ? null : (Map<String, Object>) r.getAdditionalProperties().get("status");
    if (status == null || status.get("conditions") == null) {
      return "";
    }
    return ((List<Map<String, Object>>) status.get("conditions")).stream().filter(c -> "Ready".equals(c.get("type")))
        .map(c -> (String) c.get("status")).findFirst().orElse("");
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what + "; web: " + web().get());
      }
      Thread.sleep(100);
    }
  }

  /** {@code peapod_actual_reads_total{trigger}} now; 0 before the first such read. */
  private static double actualReads(String trigger) {
    String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
    String prefix = "peapod_actual_reads_total{trigger=\"" + trigger + "\"} ";
    return metrics.lines().filter(l -> l.startsWith(prefix)).mapToDouble(l -> Double.parseDouble(
        l.substring(prefix.length()).trim())).findFirst().orElse(0);
  }

  @Test
  void aPeaPodBoundToTheNodeRunsUntilItIsDeleted() throws Exception {
    GenericKubernetesResource peaPod = KubernetesHome.client.getKubernetesSerialization().unmarshal("""
        apiVersion: peapod.dev/v1alpha1
        kind: PeaPod
        metadata: {name: web, namespace: default, labels: {peapod.dev/node: node-a}}
        spec:
          containers:
            - {name: main, image: it/bb:1, command: [sh, -c, 'exec sleep 100000']}
        """, GenericKubernetesResource.class);
    KubernetesHome.client.genericKubernetesResources(PEAPODS).inNamespace("default").resource(peaPod).create();
    await("web is Ready", () -> "True".equals(ready()));
    assertEquals(PodState.RUNNING, inspect("default--web").orElseThrow().state());
    // The agent's pass, change and boot are in the controller's metrics, which the chart's dashboard reads.
    String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
    assertTrue(metrics.contains("peapod_actions_total{action=\"create\",result=\"success\"}"), metrics);
    assertTrue(metrics.contains("peapod_reconcile_duration_seconds_count{result=\"converged\"}"), metrics);
    assertTrue(metrics.contains("peapod_boot_duration_seconds_count{boot="), metrics);

    // The node agent is a source as the others are in the sources list, with what it can tell,
    // and telling it reads no pod's state: the agent counts its pods as its passes saw them.
    double syncReads = actualReads("sync");
    Api.api(KubernetesHome.home).get("/v1/sources").then().statusCode(200)
        .body("find { it.name == 'k8s' }.location", equalTo("k8s:node-a"))
        .body("find { it.name == 'k8s' }.conditions[0].status", equalTo("True"))
        .body("find { it.name == 'k8s' }.pods", equalTo(1));
    Api.api(KubernetesHome.home).get("/v1/sources/k8s").then().statusCode(200).body("owner", equalTo("k8s:*"))
        .body("pods", equalTo(1));
    assertEquals(syncReads, actualReads("sync"), "GET /v1/sources read the actual state");
    Api.api(KubernetesHome.home).post("/v1/sources/k8s/sync").then().statusCode(409)
        .body("detail", containsString("follows the API server's watch"));

    web().delete();
    await("web is gone", () -> web().get() == null);
    assertTrue(inspect("default--web").isEmpty());
  }
}
