package dev.peapod.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.FileInputStream;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two agents' placement against fabric8's mock API server (CRUD mode), with no VMs: the test binds
 * placeholder Pods to nodes by hand, as the scheduler would ({@code TwoNodesIT} in the controller
 * module runs the whole thing with real agents, VMs and a scheduler).
 */
@EnableKubernetesMockClient(crud = true)
class PlacementTest {

  static KubernetesClient client;

  private Placement nodeA;
  private Placement nodeB;

  @BeforeEach
  void start() throws Exception {
    try (InputStream crd = new FileInputStream(AgentHome.REPO.resolve("charts/peapod/crds/peapods.peapod.dev-v1.yml")
        .toFile())) {
      client.apiextensions().v1().customResourceDefinitions()
          .resource(client.getKubernetesSerialization().unmarshal(crd, CustomResourceDefinition.class))
          .createOr(existing -> existing.update());
    }
    nodeA = placement("node-a");
    nodeB = placement("node-b");
  }

  private static Placement placement(String node) {
    Placement p = new Placement(client, node, new AgentEvents(client, node, Clock.systemUTC()), Clock.systemUTC(),
        Duration.ofSeconds(1));
    p.start();
    return p;
  }

  @AfterEach
  void stop() {
    nodeA.close();
    nodeB.close();
  }

  private static void create(String name, String metadataExtra, String specExtra) {
    GenericKubernetesResource peaPod = client.getKubernetesSerialization().unmarshal("""
        apiVersion: peapod.dev/v1alpha1
        kind: PeaPod
        metadata:
          name: %s
          namespace: default
          %s
        spec:
          containers:
            - {name: main, image: it/bb:1, resources: {limits: {memory: 200Mi, cpu: 1500m}}}
          %s
        """.formatted(name, metadataExtra, specExtra), GenericKubernetesResource.class);
    client.genericKubernetesResources(PeaPods.CONTEXT).inNamespace("default").resource(peaPod).create();
  }

  private static Resource<GenericKubernetesResource> peaPod(String name) {
    return client.genericKubernetesResources(PeaPods.CONTEXT).inNamespace("default").withName(name);
  }

  private static Resource<Pod> placeholder(String name) {
    return client.pods().inNamespace("default").withName("peapod-" + name);
  }

  private static String node(String name) {
    Map<String, String> labels = peaPod(name).get().getMetadata().getLabels();
    return labels == null ? null : labels.get(PeaPods.NODE_LABEL);
  }

  private static void schedule(String name, String node) {
    placeholder(name).patch(PatchContext.of(PatchType.JSON),
        "[{\"op\":\"add\",\"path\":\"/spec/nodeName\",\"value\":\"" + node + "\"}]");
  }

  private static List<String> events(String name) {
    return client.v1().events().inNamespace("default").list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName()))
        .map(e -> e.getSource().getHost() + " " + e.getReason() + ": " + e.getMessage()).toList();
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what + "; PeaPods: "
            + client.genericKubernetesResources(PeaPods.CONTEXT).inAnyNamespace().list().getItems().stream()
                .map(p -> p.getMetadata().getName() + " " + p.getMetadata().getLabels()).toList()
            + "; placeholders: " + client.pods().inAnyNamespace().list().getItems().stream()
                .map(p -> p.getMetadata().getName() + "@" + p.getSpec().getNodeName()).toList());
      }
      Thread.sleep(20);
    }
  }

  @Test
  void anUnboundPeaPodIsPlacedThroughItsPlaceholderAndPlacedAgainWhenItIsLost() throws Exception {
    create("web", "", """
        nodeSelector: {disk: ssd}
          tolerations: [{key: vms, operator: Exists, effect: NoSchedule}]
          affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: zone, operator: In, values: [a, b]}]}]}}}""");
    await("web has a placeholder", () -> placeholder("web").get() != null);
    Pod pod = placeholder("web").get();
    // The VM: 2 vCPUs (1.5 rounded up), 200Mi + 32Mi guest overhead; the node also gives QEMU 48Mi.
    assertEquals(Map.of("cpu", new Quantity("2"), "memory", new Quantity("280Mi")),
        pod.getSpec().getContainers().get(0).getResources().getRequests());
    Map<String, Quantity> limits = pod.getSpec().getContainers().get(0).getResources().getLimits();
    assertTrue(limits == null || limits.isEmpty(), "requests only: " + limits);
    assertEquals(Placeholders.PAUSE_IMAGE, pod.getSpec().getContainers().get(0).getImage());
    assertEquals(Map.of("disk", "ssd"), pod.getSpec().getNodeSelector());
    assertEquals("vms", pod.getSpec().getTolerations().get(0).getKey());
    assertEquals("zone", pod.getSpec().getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()
        .getNodeSelectorTerms().get(0).getMatchExpressions().get(0).getKey());
    assertEquals(peaPod("web").get().getMetadata().getUid(), pod.getMetadata().getOwnerReferences().get(0).getUid());
    assertNull(pod.getSpec().getNodeName(), "the scheduler picks the node");
    assertNull(node("web"), "unbound until the placeholder is scheduled");

    schedule("web", "node-b");
    await("web is bound to node-b", () -> "node-b".equals(node("web")));
    assertEquals("peapod-web", peaPod("web").get().getMetadata().getAnnotations().get(Placement.BOUND_BY));
    assertEquals(List.of("node-b Scheduled: bound to node node-b, where the scheduler put its placeholder Pod peapod-web"),
        events("web"), "node-a's agent did not bind it");

    // node-b is lost: Kubernetes deletes the Pods bound to it. The PeaPod is unbound and placed again.
    String lostUid = placeholder("web").get().getMetadata().getUid();
    placeholder("web").delete();
    await("web has a new, unscheduled placeholder and no node", () -> node("web") == null
        && placeholder("web").get() != null && !lostUid.equals(placeholder("web").get().getMetadata().getUid()));
    assertTrue(events("web").stream().anyMatch(e -> e.endsWith(
        "Unbound: its placeholder Pod is gone from node node-b (node lost?); placing it again")), events("web").toString());
    assertNull(peaPod("web").get().getMetadata().getAnnotations().get(Placement.BOUND_BY));
    schedule("web", "node-a");
    await("web is bound to node-a", () -> "node-a".equals(node("web")));

    // Deleted: its placeholder goes with it (the garbage collector's job, done where it does not run).
    peaPod("web").delete();
    await("web's placeholder is gone", () -> placeholder("web").get() == null);
  }

  /**
   * What a race under load left once: node-b's agent saw the PeaPod unbound (its lost placeholder
   * gone) before it saw that placeholder deleted, and bound it again through the deleted one; the
   * new placeholder, of the same name, then stood unscheduled beside a PeaPod bound to node-b for
   * good. The agents take such a PeaPod off the node: its placeholder is not the one that put it
   * there.
   */
  @Test
  void aPeaPodBoundThroughAnEarlierPlaceholderOfTheSameNameIsPlacedAgain() throws Exception {
    create("stale", "", "");
    await("stale has a placeholder", () -> placeholder("stale").get() != null);
    peaPod("stale").patch(PatchContext.of(PatchType.JSON), """
        [{"op": "add", "path": "/metadata/labels", "value": {"peapod.dev/node": "node-b"}},
         {"op": "add", "path": "/metadata/annotations", "value": {"%s": "peapod-stale"}}]
        """.formatted(Placement.BOUND_BY));
    await("stale is unbound", () -> node("stale") == null);
    assertNull(peaPod("stale").get().getMetadata().getAnnotations().get(Placement.BOUND_BY));
    assertTrue(events("stale").stream().anyMatch(e -> e.endsWith("Unbound: its placeholder Pod peapod-stale is not the"
        + " one that put it on node node-b (that one is gone); placing it again")), events("stale").toString());
    assertNull(placeholder("stale").get().getSpec().getNodeName(), "the scheduler places it");
    schedule("stale", "node-a");
    await("stale is bound to node-a", () -> "node-a".equals(node("stale")));
  }

  @Test
  void aPeaPodBoundByHandIsPinnedToItsNode() throws Exception {
    create("pinned", "labels: {peapod.dev/node: node-a}", "");
    await("pinned has a placeholder", () -> placeholder("pinned").get() != null);
    assertEquals("node-a", placeholder("pinned").get().getSpec().getNodeName(), "counted where it runs");
    placeholder("pinned").delete();
    await("pinned has its placeholder back", () -> placeholder("pinned").get() != null);
    assertEquals("node-a", placeholder("pinned").get().getSpec().getNodeName());
    assertEquals("node-a", node("pinned"), "never moved");
    assertEquals(List.of(), events("pinned"));
    peaPod("pinned").delete();
    await("pinned's placeholder is gone", () -> placeholder("pinned").get() == null);
  }

  private static void limits(String name, String memory, String cpu) {
    peaPod(name).patch(PatchContext.of(PatchType.JSON), """
        [{"op": "replace", "path": "/spec/containers/0/resources/limits", "value": {"memory": "%s", "cpu": "%s"}}]
        """.formatted(memory, cpu));
  }

  private static Map<String, Quantity> requests(String name) {
    Pod pod = placeholder(name).get();
    return pod == null ? Map.of() : pod.getSpec().getContainers().get(0).getResources().getRequests();
  }

  @Test
  void aPlaceholderFollowsItsPeaPodsSizeAndAPlacedPeaPodIsPlacedAgain() throws Exception {
    create("grow", "", "");
    await("grow has a placeholder", () -> placeholder("grow").get() != null);
    assertEquals(Map.of("cpu", new Quantity("2"), "memory", new Quantity("280Mi")), requests("grow"));

    // Unscheduled: the placeholder the scheduler sees asks for the new size at once.
    limits("grow", "400Mi", "1500m");
    await("grow's placeholder asks for 480Mi", () -> Map.of("cpu", new Quantity("2"), "memory",
        new Quantity("480Mi")).equals(requests("grow")));
    assertNull(placeholder("grow").get().getSpec().getNodeName());

    // Placed by the scheduler: a new size is a new VM, which the scheduler places again.
    schedule("grow", "node-b");
    await("grow is bound to node-b", () -> "node-b".equals(node("grow")));
    String placedUid = placeholder("grow").get().getMetadata().getUid();
    limits("grow", "400Mi", "1");
    await("grow is unbound and its new placeholder asks for 1 CPU", () -> node("grow") == null
        && placeholder("grow").get() != null && !placedUid.equals(placeholder("grow").get().getMetadata().getUid())
        && Map.of("cpu", new Quantity("1"), "memory", new Quantity("480Mi")).equals(requests("grow")));
    assertNull(placeholder("grow").get().getSpec().getNodeName(), "the scheduler picks the node again");
    assertTrue(events("grow").stream().anyMatch(e -> e.contains("Resized: its VM's size changed: placeholder Pod"
        + " peapod-grow asked for cpu 2, memory 480Mi, is made again with cpu 1, memory 480Mi; the scheduler places"
        + " the PeaPod again")), events("grow").toString());
    schedule("grow", "node-a");
    await("grow is bound to node-a", () -> "node-a".equals(node("grow")));
    assertEquals(Map.of("cpu", new Quantity("1"), "memory", new Quantity("480Mi")), requests("grow"));

    // Unchanged size (a change of something else): the placeholder stays.
    String uid = placeholder("grow").get().getMetadata().getUid();
    peaPod("grow").patch(PatchContext.of(PatchType.JSON),
        "[{\"op\": \"add\", \"path\": \"/spec/containers/0/image\", \"value\": \"it/bb:2\"}]");
    Thread.sleep(500);
    assertEquals(uid, placeholder("grow").get().getMetadata().getUid());
    assertEquals("node-a", node("grow"));
  }

  @Test
  void aPinnedPeaPodsPlaceholderFollowsItsSizeOnItsNode() throws Exception {
    create("pinsize", "labels: {peapod.dev/node: node-a}", "");
    await("pinsize has a placeholder", () -> placeholder("pinsize").get() != null);
    limits("pinsize", "100Mi", "1");
    await("pinsize's placeholder asks for 1 CPU and 180Mi", () -> Map.of("cpu", new Quantity("1"), "memory",
        new Quantity("180Mi")).equals(requests("pinsize")));
    assertEquals("node-a", placeholder("pinsize").get().getSpec().getNodeName(), "still counted where it runs");
    assertEquals("node-a", node("pinsize"), "never moved");
  }

  @Test
  void anInvalidPeaPodIsNotPlacedAndSaysWhy() throws Exception {
    create("broken", "", "hostNetwork: true");
    await("an event says why", () -> !events("broken").isEmpty());
    assertTrue(events("broken").get(0).contains("FailedPlacement: not placed: its spec is invalid (spec.hostNetwork:"),
        events("broken").toString());
    assertNull(placeholder("broken").get());
  }
}
