package dev.peapod.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.peapod.engine.ReconcileMetrics;
import dev.peapod.provider.PodState;
import dev.peapod.provider.PodStatus;
import dev.peapod.provider.qemu.QemuProvider;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.FileInputStream;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The agent's resync plans against the actual state it last read while the provider announced no
 * change: resyncs of unchanged PeaPods read no pod's state, a pod removed by hand makes the next
 * one read afresh and put it back, and a VM that ends queues its PeaPod at once, without waiting
 * for a resync (the resync interval here is 10 minutes; the test resyncs by hand). Real QEMU VMs,
 * fabric8's mock API server.
 */
@EnableKubernetesMockClient(crud = true)
class AgentResyncIT {

  static KubernetesClient client;

  private static AgentHome home;
  private static NodeAgent agent;
  private static final List<String> reads = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    try (InputStream crd = new FileInputStream(AgentHome.REPO.resolve("charts/peapod/crds/peapods.peapod.dev-v1.yml")
        .toFile())) {
      client.apiextensions().v1().customResourceDefinitions()
          .resource(client.getKubernetesSerialization().unmarshal(crd, CustomResourceDefinition.class)).create();
    }
    home = new AgentHome("node-r");
    agent = new NodeAgent(client, "node-r", home::engine, Clock.systemUTC(), Duration.ofMinutes(10))
        .reportTo(new ReconcileMetrics() {
          @Override
          public void reconciled(Duration took, String result) {}

          @Override
          public void action(String action, boolean succeeded) {}

          @Override
          public void boot(String kind, Duration took) {}

          @Override
          public void actualRead(String trigger) {
            reads.add(trigger);
          }
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

  private static void create(String name, String state) {
    client.genericKubernetesResources(PeaPods.CONTEXT).inNamespace("default").resource(
        client.getKubernetesSerialization().unmarshal("""
            apiVersion: peapod.dev/v1alpha1
            kind: PeaPod
            metadata: {name: %s, namespace: default, labels: {peapod.dev/node: node-r}}
            spec:
              state: %s
              containers:
                - {name: main, image: it/bb:1, command: [sh, -c, 'exec sleep 100000']}
            """.formatted(name, state), GenericKubernetesResource.class)).create();
  }

  @SuppressWarnings("unchecked")
  private static boolean ready(String name) {
    GenericKubernetesResource r = client.genericKubernetesResources(PeaPods.CONTEXT).inNamespace("default")
        .withName(name).get();
    Object status = r == null ? null : r.getAdditionalProperties().get("status");
    if (!(status instanceof Map<?, ?> s) || !(s.get("conditions") instanceof List<?> conditions)) {
      return false;
    }
    return conditions.stream().anyMatch(c -> c instanceof Map<?, ?> m && "Ready".equals(m.get("type"))
        && "True".equals(m.get("status")));
  }

  private static Optional<PodStatus> inspect(String pod) {
    try (QemuProvider provider = home.provider()) {
      return provider.inventoryOf(pod);
    }
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(100);
    }
  }

  @Test
  void resyncsOfUnchangedPeaPodsReadNothingUntilTheProviderAnnouncesAChange() throws Exception {
    for (String name : List.of("a", "b", "c")) {
      create(name, "Created");
    }
    await("a, b and c are Created and Ready", () -> ready("a") && ready("b") && ready("c"));
    await("the agent's queue is empty", () -> agent.queueDepth() == 0);
    Thread.sleep(1000); // the last pass's own provider events

    assertEquals(0, agent.resync(), "nothing to do");
    int afterFirst = reads.size();
    assertEquals(0, agent.resync());
    assertEquals(0, agent.resync());
    assertEquals(afterFirst, reads.size(), "resyncs of unchanged PeaPods planned against the last read: " + reads);
    assertEquals(3, agent.podsOwned());

    // Removed by hand, as `peapod rm` would: the provider says so, and the next resync reads afresh.
    try (QemuProvider provider = home.provider()) {
      provider.remove("default--c", Duration.ZERO);
    }
    await("the removal is heard", () -> {
      int before = reads.size();
      int queued = agent.resync();
      return reads.size() == before + 1 && queued == 1;
    });
    assertEquals("resync", reads.get(reads.size() - 1));
    await("default--c is back", () -> inspect("default--c").map(PodStatus::state).equals(Optional.of(
        PodState.CREATED)));
  }

  @Test
  void aVmThatEndsIsStartedAgainWithoutWaitingForAResync() throws Exception {
    create("run", "Running");
    await("run is Ready", () -> ready("run"));
    PodStatus running = inspect("default--run").orElseThrow();
    String bootId = running.vm().orElseThrow().bootId();
    ProcessHandle.of(running.vm().orElseThrow().pid()).orElseThrow().destroyForcibly();

    await("run has a new VM", () -> inspect("default--run").flatMap(PodStatus::vm)
        .map(vm -> !vm.bootId().equals(bootId)).orElse(false)
        && inspect("default--run").map(PodStatus::state).equals(Optional.of(PodState.RUNNING)));
    assertNotEquals(bootId, inspect("default--run").orElseThrow().vm().orElseThrow().bootId());
  }
}
