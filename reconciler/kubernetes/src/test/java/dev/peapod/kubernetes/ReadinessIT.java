package dev.peapod.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.engine.ReconcileMetrics;
import dev.peapod.provider.ExecSession;
import dev.peapod.provider.ExecSpec;
import dev.peapod.provider.qemu.QemuProvider;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.FileInputStream;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A readiness probe's verdict reaches the PeaPod's status without any pass, pushed by the guest:
 * a real agent (real QEMU VM, busybox image) against fabric8's mock API server, a container whose
 * exec readiness probe passes once {@code /tmp/ready} exists and fails once it is gone. Ready
 * follows each within a few seconds, faster than the agent's 10 s safety-net poll could. The spec
 * never changes, and no pass runs meanwhile.
 */
@EnableKubernetesMockClient(crud = true)
class ReadinessIT {

  static KubernetesMockServer server;
  static KubernetesClient client;

  private static final String AGENT = "peapod-agent-readiness-it";
  private static AgentHome home;
  private static NodeAgent agent;
  private static final AtomicInteger passes = new AtomicInteger();

  @BeforeAll
  static void start() throws Exception {
    try (InputStream crd = new FileInputStream(AgentHome.REPO.resolve("charts/peapod/crds/peapods.peapod.dev-v1.yml")
        .toFile())) {
      client.apiextensions().v1().customResourceDefinitions()
          .resource(client.getKubernetesSerialization().unmarshal(crd, CustomResourceDefinition.class)).create();
    }
    home = new AgentHome("node-r");
    KubernetesClient agentClient = new KubernetesClientBuilder().withConfig(
        new ConfigBuilder(client.getConfiguration()).withUserAgent(AGENT).build()).build();
    agent = new NodeAgent(agentClient, "node-r", home::engine, Clock.systemUTC(), Duration.ofSeconds(2))
        .reportTo(new ReconcileMetrics() {
          @Override
          public void reconciled(Duration took, String result) {
            passes.incrementAndGet();
          }

          @Override
          public void action(String action, boolean succeeded) {}

          @Override
          public void boot(String kind, Duration took) {}
        });
    agent.start();
  }

  @AfterAll
  static void stop() {
    if (agent != null) {
      agent.close();
    }
    if (home != null) {
      home.close();
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> status() {
    GenericKubernetesResource r = client.genericKubernetesResources(PeaPods.CONTEXT).inNamespace("default")
        .withName("slow").get();
    Object status = r == null ? null : r.getAdditionalProperties().get("status");
    return status == null ? Map.of() : (Map<String, Object>) status;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> condition(String type) {
    Object conditions = status().get("conditions");
    return conditions == null ? Map.of() : ((List<Map<String, Object>>) conditions).stream()
        .filter(c -> type.equals(c.get("type"))).findFirst().orElse(Map.of());
  }

  private static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what + "; status: " + status());
      }
      Thread.sleep(50);
    }
  }

  /** The number of passes once none has run for 2 s and none is queued. */
  private static int quiet() throws InterruptedException {
    int before;
    do {
      before = passes.get();
      Thread.sleep(2000);
    } while (passes.get() != before || agent.queueDepth() != 0);
    return before;
  }

  /** The agent's status writes since the last call. */
  private static List<String> statusWrites() throws InterruptedException {
    List<String> writes = new ArrayList<>();
    RecordedRequest request;
    while ((request = server.takeRequest(100, TimeUnit.MILLISECONDS)) != null) {
      if (AGENT.equals(request.getHeader("User-Agent")) && request.getPath().endsWith("/status")) {
        writes.add(request.getMethod() + " " + request.getPath());
      }
    }
    return writes;
  }

  /** Runs {@code command} in the container, as kubectl exec would, and says when it ended. */
  private static long exec(String... command) throws Exception {
    try (QemuProvider provider = home.provider();
        ExecSession session = provider.exec("default--slow", ExecSpec.of("main", command))) {
      assertEquals(OptionalInt.of(0), session.waitFor(Duration.ofSeconds(30)));
    }
    return System.nanoTime();
  }

  private static String load() {
    try {
      return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ")[0];
    } catch (java.io.IOException e) {
      return "?";
    }
  }

  @Test
  void aReadinessProbesVerdictReachesTheStatusWithinAboutTwoSecondsWithoutAPass() throws Exception {
    String yaml = """
        apiVersion: peapod.dev/v1alpha1
        kind: PeaPod
        metadata:
          name: slow
          namespace: default
          labels: {peapod.dev/node: node-r}
        spec:
          containers:
            - name: main
              image: it/bb:1
              command: [sleep, '100000']
              readinessProbe:
                exec: {command: [test, -f, /tmp/ready]}
                periodSeconds: 1
                failureThreshold: 1
        """;
    client.genericKubernetesResources(PeaPods.CONTEXT).inNamespace("default")
        .resource(client.getKubernetesSerialization().unmarshal(yaml, GenericKubernetesResource.class)).create();

    // The pass ends as soon as the container runs: Running, not ready yet.
    await("the pass wrote Running, 0/1 ready", Duration.ofSeconds(90),
        () -> "Running".equals(status().get("phase")) && "0/1".equals(status().get("ready")));
    // The finalizer the first pass added queues one more pass, which changes nothing: let it end.
    int passesSoFar = quiet();
    assertEquals("0/1", status().get("ready"), "still before the file exists");
    assertEquals("False", condition("Ready").get("status"));
    assertEquals("ContainersNotReady", condition("Ready").get("reason"));
    assertEquals("False", condition("ContainersReady").get("status"));

    // The file appears, the guest's probe passes within its 1 s period, the guest says so on its
    // notice port, and the agent writes the status at once: no pass, and no wait for the 10 s poll.
    long made = exec("touch", "/tmp/ready");
    await("Ready goes True", Duration.ofSeconds(60), () -> "True".equals(condition("Ready").get("status")));
    long toTrue = (System.nanoTime() - made) / 1_000_000;
    assertEquals("1/1", status().get("ready"));
    assertEquals("True", condition("ContainersReady").get("status"));
    assertEquals(1L, ((Number) status().get("observedGeneration")).longValue());
    assertEquals(passesSoFar, passes.get(), "no pass ran: the watch wrote the status");

    // While readiness holds, nothing is written (the safety-net poll looks meanwhile).
    statusWrites();
    Thread.sleep(12_000);
    assertEquals(List.of(), statusWrites(), "no status write that changes nothing");

    // The file goes: the probe fails once (failureThreshold 1) and Ready goes False again.
    long removed = exec("rm", "/tmp/ready");
    await("Ready goes False", Duration.ofSeconds(60), () -> "False".equals(condition("Ready").get("status")));
    long toFalse = (System.nanoTime() - removed) / 1_000_000;
    System.out.println("readiness-push: file made -> Ready True " + toTrue + " ms, file removed -> Ready False "
        + toFalse + " ms (probe period 1 s, thresholds 1; load " + load() + ")");
    assertEquals("0/1", status().get("ready"));
    assertEquals("ContainersNotReady", condition("Ready").get("reason"));
    assertTrue(((String) condition("Ready").get("message")).contains("not ready: main"),
        () -> String.valueOf(condition("Ready")));
    assertEquals("False", condition("ContainersReady").get("status"));
    assertEquals(1L, client.genericKubernetesResources(PeaPods.CONTEXT).inNamespace("default").withName("slow").get()
        .getMetadata().getGeneration(), "the spec never changed");
    assertEquals(passesSoFar, passes.get(), "no pass ran: the watch wrote the status");
    // Pushed, not polled: the safety net looks every 10 s only, so both came from the guest's notice.
    // A probe period (1 s) plus the look, with room for a loaded machine's exec and TCG.
    assertTrue(toTrue < 6_000 && toFalse < 6_000, "Ready followed the probe in " + toTrue + " and " + toFalse
        + " ms: too slow for a pushed notice (load " + load() + ")");
  }
}
