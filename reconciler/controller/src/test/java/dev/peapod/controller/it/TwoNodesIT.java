package dev.peapod.controller.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.provider.PodState;
import dev.peapod.provider.PodStatus;
import dev.peapod.provider.qemu.QemuProvider;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two nodes, each a {@code ./peapod serve --source k8s=k8s:NODE} process with its own state
 * directory and real VMs, against one fabric8 mock API server (CRUD mode) in this JVM, with
 * {@link TestScheduler} playing the Kubernetes scheduler that the mock server lacks. PeaPods are
 * created unbound: the agents make their placeholder Pods, the scheduler places those by their
 * requests, nodeSelector and taints, and the agent of the node each lands on binds and runs it.
 * Then node-a is lost (its agent killed with -9, its Node and placeholder Pods deleted, as the
 * node lifecycle controller and the Pod garbage collector do) and its PeaPods run on node-b;
 * node-a's agent, back, removes the VMs it had left.
 */
class TwoNodesIT {

  private static final ResourceDefinitionContext PEAPODS = new ResourceDefinitionContext.Builder()
      .withGroup("peapod.dev").withVersion("v1alpha1").withKind("PeaPod").withPlural("peapods").withNamespaced(true)
      .build();

  private KubernetesMockServer server;
  private KubernetesClient client;
  private final Map<String, Path> homes = new LinkedHashMap<>();
  private final Map<String, Process> agents = new HashMap<>();

  @AfterEach
  void stop() throws Exception {
    for (Process agent : agents.values()) {
      agent.destroy();
      agent.waitFor(20, TimeUnit.SECONDS);
      agent.destroyForcibly();
    }
    homes.values().forEach(ControllerHome::removeAll);
    if (client != null) {
      client.close();
      server.destroy();
    }
  }

  @Test
  void placeholdersSpreadByRequestsAndALostNodesPeaPodsRunOnTheOther() throws Exception {
    server = new KubernetesMockServer(new io.fabric8.mockwebserver.Context(), new MockWebServer(), new HashMap<>(),
        new KubernetesCrudDispatcher(), false);
    server.init();
    client = server.createClient();
    try (InputStream crd = new FileInputStream(ControllerHome.REPO
        .resolve("charts/peapod/crds/peapods.peapod.dev-v1.yml").toFile())) {
      client.apiextensions().v1().customResourceDefinitions()
          .resource(client.getKubernetesSerialization().unmarshal(crd, CustomResourceDefinition.class)).create();
    }
    // 1 GiB each; node-b has the SSD; node-c is tainted and has no agent: nothing may land there.
    node("node-a", Map.of(), false);
    node("node-b", Map.of("disk", "ssd"), false);
    node("node-c", Map.of(), true);
    for (String node : List.of("node-a", "node-b")) {
      Path home = Files.createTempDirectory("peapod-" + node + "-it");
      ControllerHome.loadBusybox(home, "1");
      homes.put(node, home);
      Files.deleteIfExists(log(node));
      agents.put(node, serve(node));
    }
    for (String node : List.of("node-a", "node-b")) {
      awaitStarted(node);
    }

    try (TestScheduler scheduler = new TestScheduler(client).start()) {
      // Requests: 400 MiB guest + 48 overhead = 448 Mi; the others 128 + 48 = 176 Mi.
      create("big", "vm: {memory: 400Mi}");
      create("small-1", "");
      create("small-2", "");
      create("on-ssd", "nodeSelector: {disk: ssd}");
      create("too-big", "vm: {memory: 2Gi}");

      List<String> placed = List.of("big", "small-1", "small-2", "on-ssd");
      // One worker per node boots its VMs one at a time: three on a node take 30-90 s under TCG
      // on a loaded machine.
      await("four PeaPods Ready", Duration.ofSeconds(180), () -> placed.stream().allMatch(this::ready));
      Map<String, String> nodeOf = placed.stream().collect(Collectors.toMap(n -> n, this::boundNode));
      System.out.println("placed: " + nodeOf);

      assertEquals("node-b", nodeOf.get("on-ssd"), "its nodeSelector went to its placeholder");
      assertEquals(Set.of("node-a", "node-b"), new TreeSet<>(nodeOf.values()), "spread over both nodes");
      for (String node : List.of("node-a", "node-b")) {
        BigDecimal requested = client.pods().inAnyNamespace().list().getItems().stream()
            .filter(p -> node.equals(p.getSpec().getNodeName())).map(p -> TestScheduler.requests(p, "memory"))
            .reduce(BigDecimal.ZERO, BigDecimal::add);
        assertTrue(requested.compareTo(new Quantity("1Gi").getNumericalAmount()) <= 0, node + ": " + requested);
      }
      Pod big = placeholder("big");
      assertEquals(new Quantity("448Mi"), big.getSpec().getContainers().get(0).getResources().getRequests().get("memory"));
      assertEquals(new Quantity("1"), big.getSpec().getContainers().get(0).getResources().getRequests().get("cpu"));
      assertEquals("big", big.getMetadata().getOwnerReferences().get(0).getName());
      assertEquals(peaPod("big").get().getMetadata().getUid(), big.getMetadata().getOwnerReferences().get(0).getUid());

      // Nothing fits a 2 GiB VM: its placeholder stays Pending and no node runs it.
      assertNull(placeholder("too-big").getSpec().getNodeName());
      assertNull(boundNodeOrNull("too-big"));
      // Each VM runs on its PeaPod's node only: no agent touched a PeaPod bound elsewhere.
      for (String node : List.of("node-a", "node-b")) {
        Set<String> expected = nodeOf.entrySet().stream().filter(e -> e.getValue().equals(node))
            .map(e -> "default--" + e.getKey()).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(expected, running(node), node);
      }
      assertTrue(placeholdersOn("node-c").isEmpty());

      // node-a is lost: its agent dies with its VMs left as they are, Kubernetes deletes its Node
      // and the Pods bound to it.
      agents.get("node-a").destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      agents.remove("node-a");
      Set<String> lost = new TreeSet<>(running("node-a"));
      client.nodes().withName("node-a").delete();
      for (Pod p : placeholdersOn("node-a")) {
        client.pods().inNamespace(p.getMetadata().getNamespace()).withName(p.getMetadata().getName()).delete();
      }
      await("every PeaPod of node-a Ready on node-b", Duration.ofSeconds(180), () -> placed.stream()
          .allMatch(n -> ready(n) && "node-b".equals(boundNodeOrNull(n))));
      Set<String> all = placed.stream().map(n -> "default--" + n).collect(Collectors.toCollection(TreeSet::new));
      assertEquals(all, running("node-b"));
      assertEquals(lost, running("node-a"), "a lost node's VMs are left as they were while its agent is gone");
      assertTrue(events("big").stream().anyMatch(e -> e.startsWith("Warning Unbound")) || !lost.contains(
          "default--big"), events("big").toString());

      // node-a comes back: its agent finds its PeaPods bound to node-b and removes their VMs.
      Files.writeString(log("node-a"), "", java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
      agents.put("node-a", serve("node-a"));
      awaitStarted("node-a");
      await("node-a's leftover VMs removed", Duration.ofSeconds(60), () -> running("node-a").isEmpty()
          && listed("node-a").isEmpty());
      assertEquals(all, running("node-b"), "node-b untouched");
    }
  }

  private void node(String name, Map<String, String> labels, boolean tainted) {
    NodeBuilder node = new NodeBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata()
        .withNewSpec().endSpec()
        .withNewStatus().withAllocatable(Map.of("cpu", new Quantity("4"), "memory", new Quantity("1Gi")))
        .endStatus();
    if (tainted) {
      node.editSpec().addNewTaint().withKey("dedicated").withValue("gpu").withEffect("NoSchedule").endTaint()
          .endSpec();
    }
    client.nodes().resource(node.build()).create();
  }

  private Process serve(String node) throws IOException {
    Path home = homes.get(node);
    ProcessBuilder builder = new ProcessBuilder(ControllerHome.REPO.resolve("peapod").toString(), "serve",
        "--source", "k8s=k8s:" + node);
    builder.environment().put("PEAPOD_HOME", home.toString());
    builder.environment().put("PEAPOD_JAVA_OPTS", String.join(" ",
        "-Dkubernetes.master=" + client.getConfiguration().getMasterUrl(),
        "-Dkubernetes.auth.tryKubeConfig=false", "-Dkubernetes.auth.tryServiceAccount=false",
        "-Dkubernetes.namespace=default", "-Dpeapod.sources.k8s.interval=2s"));
    builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log(node).toFile()));
    return builder.start();
  }

  /** Until the agent's process has started its API (and with it the node agent). */
  private void awaitStarted(String node) throws InterruptedException {
    await(node + "'s agent started", Duration.ofSeconds(120), () -> {
      try {
        return Files.exists(log(node)) && Files.readString(log(node)).contains("API on unix socket");
      } catch (IOException e) {
        return false;
      }
    });
  }

  /** Kept after the test (the homes are removed): target/two-nodes-NODE.log. */
  private static Path log(String node) {
    return Path.of("target", "two-nodes-" + node + ".log").toAbsolutePath();
  }

  private void create(String name, String extraSpec) {
    GenericKubernetesResource peaPod = client.getKubernetesSerialization().unmarshal("""
        apiVersion: peapod.dev/v1alpha1
        kind: PeaPod
        metadata: {name: %s, namespace: default}
        spec:
          containers:
            - {name: main, image: it/bb:1, command: [sh, -c, 'exec sleep 100000']}
          %s
        """.formatted(name, extraSpec), GenericKubernetesResource.class);
    client.genericKubernetesResources(PEAPODS).inNamespace("default").resource(peaPod).create();
  }

  private Resource<GenericKubernetesResource> peaPod(String name) {
    return client.genericKubernetesResources(PEAPODS).inNamespace("default").withName(name);
  }

  private Pod placeholder(String name) {
    return client.pods().inNamespace("default").withName("peapod-" + name).get();
  }

  private List<Pod> placeholdersOn(String node) {
    return client.pods().inAnyNamespace().list().getItems().stream()
        .filter(p -> node.equals(p.getSpec().getNodeName())).toList();
  }

  private String boundNodeOrNull(String name) {
    GenericKubernetesResource r = peaPod(name).get();
    return r == null || r.getMetadata().getLabels() == null ? null : r.getMetadata().getLabels().get("peapod.dev/node");
  }

  private String boundNode(String name) {
    return Optional.ofNullable(boundNodeOrNull(name)).orElseThrow();
  }

  @SuppressWarnings("unchecked")
  private boolean ready(String name) {
    GenericKubernetesResource r = peaPod(name).get();
    Map<String, Object> status = r == null ? null : (Map<String, Object>) r.getAdditionalProperties().get("status");
    if (status == null || status.get("conditions") == null || boundNodeOrNull(name) == null) {
      return false;
    }
    Object vm = status.get("vm");
    boolean onItsNode = vm instanceof Map<?, ?> m && boundNodeOrNull(name).equals(m.get("node"));
    return onItsNode && ((List<Map<String, Object>>) status.get("conditions")).stream()
        .anyMatch(c -> "Ready".equals(c.get("type")) && "True".equals(c.get("status")));
  }

  /** The pods running on {@code node}'s home. */
  private Set<String> running(String node) {
    try (QemuProvider provider = ControllerHome.provider(homes.get(node))) {
      return provider.list().stream().filter(p -> p.state() == PodState.RUNNING).map(PodStatus::name)
          .collect(Collectors.toCollection(TreeSet::new));
    }
  }

  private Set<String> listed(String node) {
    try (QemuProvider provider = ControllerHome.provider(homes.get(node))) {
      return provider.list().stream().map(PodStatus::name).collect(Collectors.toCollection(TreeSet::new));
    }
  }

  private List<String> events(String name) {
    return client.v1().events().inNamespace("default").list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName()))
        .map(e -> e.getType() + " " + e.getReason() + ": " + e.getMessage()).toList();
  }

  private void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        StringBuilder logs = new StringBuilder();
        for (Map.Entry<String, Path> home : homes.entrySet()) {
          try {
            List<String> lines = Files.readAllLines(log(home.getKey()));
            logs.append("\n--- ").append(home.getKey()).append(" serve.log (tail):\n")
                .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size())));
          } catch (IOException e) {
            logs.append("\n(no log of ").append(home.getKey()).append(")");
          }
        }
        throw new AssertionError("timed out waiting until " + what + "; PeaPods: "
            + client.genericKubernetesResources(PEAPODS).inAnyNamespace().list().getItems().stream()
                .map(p -> p.getMetadata().getName() + " labels=" + p.getMetadata().getLabels() + " status="
                    + p.getAdditionalProperties().get("status")).toList()
            + "; placeholders: " + client.pods().inAnyNamespace().list().getItems().stream()
                .map(p -> p.getMetadata().getName() + "@" + p.getSpec().getNodeName()).toList() + logs);
      }
      Thread.sleep(200);
    }
  }
}
