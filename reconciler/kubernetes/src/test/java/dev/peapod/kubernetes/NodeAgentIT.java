package dev.peapod.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.provider.PodState;
import dev.peapod.provider.PodStatus;
import dev.peapod.provider.qemu.QemuProvider;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.FileInputStream;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A real agent (real QEMU VMs, busybox images) against fabric8's mock API server in CRUD mode, the
 * CRD from the chart loaded into it. The mock's own merge patch is never used: the agent writes
 * with JSON Patch, and the tests read what the server stores.
 */
@EnableKubernetesMockClient(crud = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NodeAgentIT {

  static KubernetesMockServer server;
  static KubernetesClient client;

  private static AgentHome home;
  private static NodeAgent agent;

  @BeforeAll
  static void start() throws Exception {
    try (InputStream crd = new FileInputStream(AgentHome.REPO.resolve("charts/peapod/crds/peapods.peapod.dev-v1.yml")
        .toFile())) {
      client.apiextensions().v1().customResourceDefinitions()
          .resource(client.getKubernetesSerialization().unmarshal(crd, CustomResourceDefinition.class)).create();
    }
    home = new AgentHome("node-a");
    agent = startAgent();
  }

  /** The agent's requests carry this user agent, so that the test can tell them from its own. */
  private static final String AGENT = "peapod-agent-it";

  private static NodeAgent startAgent() {
    KubernetesClient agentClient = new KubernetesClientBuilder().withConfig(
        new ConfigBuilder(client.getConfiguration()).withUserAgent(AGENT).build()).build();
    NodeAgent a = new NodeAgent(agentClient, "node-a", home::engine, Clock.systemUTC(), Duration.ofSeconds(2));
    a.start();
    return a;
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

  private static Resource<GenericKubernetesResource> peaPod(String namespace, String name) {
    return client.genericKubernetesResources(PeaPods.CONTEXT).inNamespace(namespace).withName(name);
  }

  private static GenericKubernetesResource create(String namespace, String name, String node, String image,
      String extraSpec) {
    String yaml = """
        apiVersion: peapod.dev/v1alpha1
        kind: PeaPod
        metadata:
          name: %s
          namespace: %s
          labels: {peapod.dev/node: %s, app: demo}
        spec:
          containers:
            - name: main
              image: %s
              command: [sh, -c, 'exec sleep 100000']
        %s""".formatted(name, namespace, node, image, extraSpec);
    GenericKubernetesResource resource = client.getKubernetesSerialization().unmarshal(yaml,
        GenericKubernetesResource.class);
    return client.genericKubernetesResources(PeaPods.CONTEXT).inNamespace(namespace).resource(resource).create();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> status(String namespace, String name) {
    GenericKubernetesResource r = peaPod(namespace, name).get();
    Object status = r == null ? null : r.getAdditionalProperties().get("status");
    return status == null ? Map.of() : (Map<String, Object>) status;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> condition(String namespace, String name, String type) {
    Object conditions = status(namespace, name).get("conditions");
    if (conditions == null) {
      return Map.of();
    }
    return ((List<Map<String, Object>>) conditions).stream().filter(c -> type.equals(c.get("type"))).findFirst()
        .orElse(Map.of());
  }

  private static boolean ready(String namespace, String name, long generation) {
    Map<String, Object> s = status(namespace, name);
    return "True".equals(condition(namespace, name, "Ready").get("status"))
        && s.get("observedGeneration") != null && ((Number) s.get("observedGeneration")).longValue() == generation;
  }

  private static Optional<PodStatus> inspect(String pod) {
    try (QemuProvider provider = home.provider()) {
      return provider.inspect(pod);
    }
  }

  @SuppressWarnings("unchecked")
  private static String bootId(String namespace, String name) {
    Object vm = status(namespace, name).get("vm");
    return vm == null ? null : (String) ((Map<String, Object>) vm).get("bootId");
  }

  private static List<String> events(String namespace, String name) {
    return client.v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName()))
        .map(e -> e.getType() + " " + e.getReason() + ": " + e.getMessage()).toList();
  }

  private static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what + "; PeaPods: "
            + client.genericKubernetesResources(PeaPods.CONTEXT).inAnyNamespace().list().getItems().stream()
                .map(p -> PeaPods.key(p) + " finalizers=" + p.getMetadata().getFinalizers() + " status="
                    + p.getAdditionalProperties().get("status")).toList()
            + "; events: " + client.v1().events().inAnyNamespace().list().getItems().stream()
                .map(e -> e.getInvolvedObject().getName() + " " + e.getReason() + ": " + e.getMessage()).toList());
      }
      Thread.sleep(100);
    }
  }

  @Test
  @Order(1)
  void createdPeaPodsRunAsPodsNamedByNamespaceAndReportStatus() throws Exception {
    long start = System.nanoTime();
    create("default", "web", "node-a", "it/bb:1", "");
    create("prod", "web", "node-a", "it/bb:1", "");
    create("default", "elsewhere", "node-b", "it/bb:1", "");
    await("default/web is Ready", Duration.ofSeconds(60), () -> ready("default", "web", 1));
    System.out.println("create -> Ready: " + (System.nanoTime() - start) / 1_000_000 + " ms");
    await("prod/web is Ready", Duration.ofSeconds(60), () -> ready("prod", "web", 1));

    assertEquals(PodState.RUNNING, inspect("default--web").orElseThrow().state());
    assertEquals(PodState.RUNNING, inspect("prod--web").orElseThrow().state());
    Map<String, Object> status = status("default", "web");
    assertEquals("Running", status.get("phase"));
    assertEquals("1/1", status.get("ready"));
    assertEquals("default--web", status.get("podName"));
    assertNull(status.get("pendingChange"), "nothing pending once converged");
    assertEquals(inspect("default--web").orElseThrow().vm().orElseThrow().bootId(), bootId("default", "web"));
    for (String type : List.of("Scheduled", "ImagesReady", "VMReady", "ContainersReady")) {
      assertEquals("True", condition("default", "web", type).get("status"), type);
    }
    assertEquals("False", condition("default", "web", "Reconciling").get("status"));
    assertEquals("False", condition("default", "web", "Stalled").get("status"));
    assertEquals(List.of(PeaPods.FINALIZER), peaPod("default", "web").get().getMetadata().getFinalizers());
    assertTrue(events("default", "web").contains("Normal Created: create because it does not exist yet"),
        events("default", "web").toString());

    // Bound to another node: not touched at all.
    GenericKubernetesResource other = peaPod("default", "elsewhere").get();
    assertTrue(other.getMetadata().getFinalizers() == null || other.getMetadata().getFinalizers().isEmpty());
    assertNull(other.getAdditionalProperties().get("status"));
    assertTrue(inspect("default--elsewhere").isEmpty());
    assertEquals(List.of(), events("default", "elsewhere"));
  }

  @Test
  @Order(2)
  void anImageChangeReplacesContainersInTheSameVm() throws Exception {
    String before = bootId("default", "web");
    List<Object> pending = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (var watch = peaPod("default", "web").watch(new io.fabric8.kubernetes.client.Watcher<>() {
      @Override
      public void eventReceived(Action action, GenericKubernetesResource resource) {
        Object status = resource.getAdditionalProperties().get("status");
        if (status instanceof Map<?, ?> map && map.get("pendingChange") != null) {
          pending.add(map.get("pendingChange"));
        }
      }

      @Override
      public void onClose(io.fabric8.kubernetes.client.WatcherException cause) {
        // the test closes it
      }
    })) {
      peaPod("default", "web").patch(PatchContext.of(PatchType.JSON),
          "[{\"op\":\"replace\",\"path\":\"/spec/containers/0/image\",\"value\":\"it/bb:2\"}]");
      assertEquals(2L, PeaPods.generation(peaPod("default", "web").get()));
      await("default/web is Ready at generation 2", Duration.ofSeconds(60), () -> ready("default", "web", 2));
    }
    // What kubectl describe showed while the agent was at it: the plan's change for this PeaPod.
    assertTrue(pending.stream().map(String::valueOf).anyMatch(p -> p.contains(
        "summary=replace (same VM) because image of container \"main\" changed")
        && p.contains("action=replace") && p.contains("spec.containers[main].image: \"it/bb:1\" -> \"it/bb:2\"")),
        pending.toString());
    assertEquals(before, bootId("default", "web"), "a replace keeps the VM");
    assertEquals(before, inspect("default--web").orElseThrow().vm().orElseThrow().bootId());
    assertTrue(inspect("default--web").orElseThrow().containers().get(0).imageId().startsWith("sha256:"));
    assertTrue(events("default", "web").contains(
        "Normal Replaced: replace (same VM) because image of container \"main\" changed"),
        events("default", "web").toString());
  }

  @Test
  @Order(3)
  void specStateCreatedStopsTheVmAndRunningStartsIt() throws Exception {
    peaPod("default", "web").patch(PatchContext.of(PatchType.JSON),
        "[{\"op\":\"add\",\"path\":\"/spec/state\",\"value\":\"Created\"}]");
    await("default/web is Created and Ready at generation 3", Duration.ofSeconds(60),
        () -> ready("default", "web", 3) && "Created".equals(status("default", "web").get("phase")));
    assertEquals(PodState.CREATED, inspect("default--web").orElseThrow().state());
    assertNull(status("default", "web").get("vm"), "no VM while Created");
    assertTrue(events("default", "web").contains("Normal Stopped: stop because its manifest wants it Created"),
        events("default", "web").toString());
    peaPod("default", "web").patch(PatchContext.of(PatchType.JSON),
        "[{\"op\":\"remove\",\"path\":\"/spec/state\"}]");
    await("default/web runs again", Duration.ofSeconds(60), () -> ready("default", "web", 4));
    assertEquals("Running", status("default", "web").get("phase"));
    assertTrue(events("default", "web").stream().anyMatch(e -> e.startsWith("Normal Started: start because ")),
        events("default", "web").toString());
  }

  @Test
  @Order(4)
  void anInvalidSpecIsReportedAndChangesNothing() throws Exception {
    String before = bootId("prod", "web");
    // A field Peapod does not support: the CRD keeps it, and the parser says why it is refused.
    peaPod("prod", "web").patch(PatchContext.of(PatchType.JSON),
        "[{\"op\":\"add\",\"path\":\"/spec/containers/0/volumeDevices\",\"value\":[{\"name\":\"raw\","
            + "\"devicePath\":\"/dev/xvda\"}]}]");
    List<String> refused = diagnostics("prod", "web", 2);
    assertTrue(refused.stream().anyMatch(d -> d.startsWith("spec.containers[0].volumeDevices: ")
        && d.contains("not supported by Peapod")), () -> "the API server kept the field: " + refused);
    // A hostPath a PeaPod from the API may not reach: no manifest directory lends it one.
    peaPod("prod", "web").patch(PatchContext.of(PatchType.JSON), """
        [{"op":"remove","path":"/spec/containers/0/volumeDevices"},
         {"op":"add","path":"/spec/volumes","value":[{"name":"etc","hostPath":{"path":"/etc"}}]}]""");
    List<String> diagnostics = diagnostics("prod", "web", 3);
    assertTrue(diagnostics.stream().anyMatch(d -> d.startsWith("spec.volumes[0].hostPath: hostPath /etc is outside")),
        diagnostics.toString());
    assertEquals("Failed", status("prod", "web").get("phase"));
    assertEquals("InvalidSpec", condition("prod", "web", "Ready").get("reason"));
    assertEquals(before, inspect("prod--web").orElseThrow().vm().orElseThrow().bootId(), "still running as before");
    assertTrue(events("prod", "web").stream().anyMatch(e -> e.startsWith("Warning InvalidSpec: ")));
  }

  @SuppressWarnings("unchecked")
  private static List<String> diagnostics(String namespace, String name, long generation) throws InterruptedException {
    await(namespace + "/" + name + " is Stalled at generation " + generation, Duration.ofSeconds(30),
        () -> "True".equals(condition(namespace, name, "Stalled").get("status"))
            && ((Number) status(namespace, name).get("observedGeneration")).longValue() == generation);
    return (List<String>) status(namespace, name).get("diagnostics");
  }

  @Test
  @Order(5)
  void deletingAPeaPodRemovesItsVmAndThenTheFinalizer() throws Exception {
    peaPod("prod", "web").delete();
    await("prod/web is gone from the API", Duration.ofSeconds(60), () -> peaPod("prod", "web").get() == null);
    assertTrue(inspect("prod--web").isEmpty(), "its pod is removed before the finalizer goes");
    assertEquals(PodState.RUNNING, inspect("default--web").orElseThrow().state(), "the other web is untouched");
  }

  @Test
  @Order(6)
  void anAgentThatWasDownCleansUpWhenItComesBack() throws Exception {
    create("default", "later", "node-a", "it/bb:1", "");
    create("default", "forced", "node-a", "it/bb:1", "");
    await("default/later is Ready", Duration.ofSeconds(60), () -> ready("default", "later", 1));
    await("default/forced is Ready", Duration.ofSeconds(60), () -> ready("default", "forced", 1));
    agent.close();

    // Deleted while the agent is down: the finalizer holds "later" back; "forced" has its
    // finalizer taken away by hand, so only its pod's record says it ever existed.
    peaPod("default", "later").delete();
    assertNotEquals(null, peaPod("default", "later").get().getMetadata().getDeletionTimestamp());
    peaPod("default", "forced").patch(PatchContext.of(PatchType.JSON),
        "[{\"op\":\"remove\",\"path\":\"/metadata/finalizers/0\"}]");
    peaPod("default", "forced").delete();
    await("default/forced is gone", Duration.ofSeconds(10), () -> peaPod("default", "forced").get() == null);
    assertEquals(PodState.RUNNING, inspect("default--later").orElseThrow().state());
    assertEquals(PodState.RUNNING, inspect("default--forced").orElseThrow().state());

    agent = startAgent();
    await("default/later is gone", Duration.ofSeconds(60), () -> peaPod("default", "later").get() == null);
    assertTrue(inspect("default--later").isEmpty());
    await("the orphan default--forced is removed", Duration.ofSeconds(60), () -> inspect("default--forced").isEmpty());
    assertEquals(PodState.RUNNING, inspect("default--web").orElseThrow().state(), "default/web is untouched");
    assertFalse(events("default", "web").stream().anyMatch(e -> e.contains("Removed")));
  }

  /**
   * Every request the agent made in the tests above, as RBAC names it, is what the chart's
   * ClusterRole grants: no more (the agent would be refused) and no less (least privilege).
   */
  private static String logOf(String pod) {
    try (QemuProvider provider = home.provider();
        var logs = provider.logs(pod, dev.peapod.provider.LogQuery.of("main"))) {
      return logs.map(dev.peapod.provider.LogRecord::text).collect(java.util.stream.Collectors.joining());
    }
  }

  /**
   * A PeaPod's environment from a ConfigMap of its namespace, read from the API: a change to the
   * ConfigMap re-plans the PeaPod (a replace in the same VM, whose container then sees the new
   * value) and nothing else. A Secret's value reaches the container's environment and a secret
   * volume's file, a rotated
   * Secret replaces the container in the same VM, and neither value appears anywhere the agent
   * writes: not in the PeaPod's status, not in an Event, not in any file of the node's state
   * directory (container logs included: the container prints a digest).
   */
  @Test
  @Order(8)
  void configMapsAndSecretsComeFromTheApiAndAChangeReplansTheirPeaPods() throws Exception {
    String secretValue = "s3cret-value-42";
    client.configMaps().inNamespace("default").resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
        .withNewMetadata().withName("web-config").endMetadata().withData(Map.of("GREETING", "hello")).build()).create();
    client.secrets().inNamespace("default").resource(new io.fabric8.kubernetes.api.model.SecretBuilder()
        .withNewMetadata().withName("db").endMetadata().withData(Map.of("password",
            java.util.Base64.getEncoder().encodeToString(secretValue.getBytes()))).build()).create();
    client.genericKubernetesResources(PeaPods.CONTEXT).inNamespace("default").resource(
        client.getKubernetesSerialization().unmarshal("""
            apiVersion: peapod.dev/v1alpha1
            kind: PeaPod
            metadata: {name: cfg, namespace: default, labels: {peapod.dev/node: node-a}}
            spec:
              containers:
                - name: main
                  image: it/bb:1
                  command: [sh, -c, 'echo "greeting=$GREETING"; exec sleep 100000']
                  env:
                    - name: GREETING
                      valueFrom: {configMapKeyRef: {name: web-config, key: GREETING}}
            """, GenericKubernetesResource.class)).create();
    await("default/cfg is Ready", Duration.ofSeconds(60), () -> ready("default", "cfg", 1));
    await("the container saw the ConfigMap's value", Duration.ofSeconds(30),
        () -> logOf("default--cfg").contains("greeting=hello"));
    String boot = bootId("default", "cfg");
    assertTrue(agent.watchedConfigs().contains("configmap/default/web-config"), agent.watchedConfigs().toString());

    client.configMaps().inNamespace("default").withName("web-config").edit(c ->
        new io.fabric8.kubernetes.api.model.ConfigMapBuilder(c).withData(Map.of("GREETING", "bonjour")).build());
    await("the changed value reached the container", Duration.ofSeconds(60),
        () -> logOf("default--cfg").contains("greeting=bonjour"));
    assertEquals(boot, inspect("default--cfg").orElseThrow().vm().orElseThrow().bootId(), "replaced in the same VM");
    assertTrue(events("default", "cfg").stream().anyMatch(e -> e.startsWith("Normal Replaced: ")
        && e.contains("configmap \"web-config\" changed")), events("default", "cfg").toString());
    assertEquals(1L, PeaPods.generation(peaPod("default", "cfg").get()), "the PeaPod itself did not change");

    client.genericKubernetesResources(PeaPods.CONTEXT).inNamespace("default").resource(
        client.getKubernetesSerialization().unmarshal("""
            apiVersion: peapod.dev/v1alpha1
            kind: PeaPod
            metadata: {name: sec, namespace: default, labels: {peapod.dev/node: node-a}}
            spec:
              containers:
                - name: main
                  image: it/bb:1
                  command: [sh, -c, 'echo "md5=$(printf %s "$PASSWORD" | md5sum) file=$(md5sum < /etc/db/password)";
                    exec sleep 100000']
                  env:
                    - name: PASSWORD
                      valueFrom: {secretKeyRef: {name: db, key: password}}
                  volumeMounts: [{name: db, mountPath: /etc/db}]
              volumes:
                - name: db
                  secret: {secretName: db, defaultMode: 256}  # 0400, as kubectl sends it (JSON has no octal)
            """, GenericKubernetesResource.class)).create();
    await("default/sec is Ready", Duration.ofSeconds(60), () -> ready("default", "sec", 1));
    // The container prints a digest of what it got: its log (a file of the node) never holds the value.
    await("the container got the Secret's value, in its environment and as a file", Duration.ofSeconds(30),
        () -> logOf("default--sec").contains("md5=" + md5(secretValue) + "  - file=" + md5(secretValue)));
    String secBoot = bootId("default", "sec");
    String changedValue = "s3cret-rotated-43";
    client.secrets().inNamespace("default").withName("db").edit(s -> new io.fabric8.kubernetes.api.model.SecretBuilder(s)
        .withData(Map.of("password", java.util.Base64.getEncoder().encodeToString(changedValue.getBytes()))).build());
    await("the rotated value reached the container", Duration.ofSeconds(60),
        () -> logOf("default--sec").contains("md5=" + md5(changedValue) + "  - file=" + md5(changedValue)));
    assertEquals(secBoot, inspect("default--sec").orElseThrow().vm().orElseThrow().bootId(), "replaced in the same VM");
    assertTrue(events("default", "sec").stream().anyMatch(e -> e.startsWith("Normal Replaced: ")
        && e.contains("secret \"db\" changed")), events("default", "sec").toString());
    assertTrue(agent.watchedConfigs().contains("secret/default/db"), agent.watchedConfigs().toString());
    for (String value : List.of(secretValue, changedValue)) {
      String encoded = java.util.Base64.getEncoder().encodeToString(value.getBytes());
      String status = client.getKubernetesSerialization().asJson(peaPod("default", "sec").get());
      assertFalse(status.contains(value) || status.contains(encoded), status);
      assertFalse(client.v1().events().inAnyNamespace().list().getItems().stream()
          .anyMatch(e -> String.valueOf(e.getMessage()).contains(value)), "no Event holds the value");
      byte[] needle = value.getBytes();
      try (var files = java.nio.file.Files.walk(home.home)) {
        List<java.nio.file.Path> holding = files.filter(java.nio.file.Files::isRegularFile)
            .filter(f -> contains(f, needle) || contains(f, encoded.getBytes())).toList();
        assertEquals(List.of(), holding, "files of the node's state that hold the Secret's value");
      }
    }

    peaPod("default", "cfg").delete();
    peaPod("default", "sec").delete();
    await("cfg and sec are gone", Duration.ofSeconds(60),
        () -> peaPod("default", "cfg").get() == null && peaPod("default", "sec").get() == null);
    await("their objects are no longer watched", Duration.ofSeconds(10), () -> agent.watchedConfigs().isEmpty());
  }

  /**
   * A configMap volume read from the API: the agent resolves the ConfigMap, its keys are files in
   * the container, and a change of the ConfigMap is written into the running VM in place (a
   * refresh: same boot id, same process, no restart), as the kubelet updates such a volume, while
   * the subPath mount of a file keeps the revision it started with.
   */
  @Test
  @Order(9)
  void aConfigMapVolumeFromTheApiIsRefreshedInPlace() throws Exception {
    client.configMaps().inNamespace("default").resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
        .withNewMetadata().withName("game").endMetadata().withData(Map.of("game.properties", "lives=3\n")).build())
        .create();
    client.genericKubernetesResources(PeaPods.CONTEXT).inNamespace("default").resource(
        client.getKubernetesSerialization().unmarshal("""
            apiVersion: peapod.dev/v1alpha1
            kind: PeaPod
            metadata: {name: vol, namespace: default, labels: {peapod.dev/node: node-a}}
            spec:
              containers:
                - name: main
                  image: it/bb:1
                  command: [sh, -c, 'echo "pid=$$"; exec sleep 100000']
                  volumeMounts:
                    - {name: game, mountPath: /etc/game}
                    - {name: game, mountPath: /pinned.properties, subPath: game.properties}
              volumes:
                - name: game
                  configMap: {name: game}
            """, GenericKubernetesResource.class)).create();
    await("default/vol is Ready", Duration.ofSeconds(60), () -> ready("default", "vol", 1));
    assertEquals("lives=3\n", exec("default--vol", "cat", "/etc/game/game.properties"));
    assertTrue(agent.watchedConfigs().contains("configmap/default/game"), agent.watchedConfigs().toString());
    String boot = bootId("default", "vol");
    String pid = exec("default--vol", "sh", "-c", "pidof sleep");

    client.configMaps().inNamespace("default").withName("game").edit(c ->
        new io.fabric8.kubernetes.api.model.ConfigMapBuilder(c).withData(Map.of("game.properties", "lives=4\n")).build());
    await("the changed file is in the container", Duration.ofSeconds(60),
        () -> "lives=4\n".equals(exec("default--vol", "cat", "/etc/game/game.properties")));
    assertEquals(boot, inspect("default--vol").orElseThrow().vm().orElseThrow().bootId(), "the same VM");
    assertEquals(pid, exec("default--vol", "sh", "-c", "pidof sleep"), "the same process: written in place");
    assertEquals(0, inspect("default--vol").orElseThrow().container("main").orElseThrow().restarts());
    assertEquals("lives=3\n", exec("default--vol", "cat", "/pinned.properties"),
        "a subPath file keeps the revision it started with, as in Kubernetes");
    await("the FilesUpdated event", Duration.ofSeconds(10), () -> events("default", "vol").stream()
        .anyMatch(e -> e.startsWith("Normal FilesUpdated: ") && e.contains("configmap \"game\" changed")));
    assertEquals(1L, PeaPods.generation(peaPod("default", "vol").get()), "the PeaPod itself did not change");

    peaPod("default", "vol").delete();
    await("vol is gone", Duration.ofSeconds(60), () -> peaPod("default", "vol").get() == null);
  }

  /** What {@code command} prints in the pod's container {@code main}; fails the test if it fails. */
  private static String exec(String pod, String... command) {
    try (QemuProvider provider = home.provider();
        dev.peapod.provider.ExecSession session = provider.exec(pod, dev.peapod.provider.ExecSpec.of("main", command))) {
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      session.stdout().transferTo(out);
      assertEquals(java.util.OptionalInt.of(0), session.waitFor(Duration.ofSeconds(30)), String.join(" ", command));
      return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String md5(String value) {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5")
          .digest(value.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static boolean contains(java.nio.file.Path file, byte[] needle) {
    try {
      byte[] bytes = java.nio.file.Files.readAllBytes(file);
      outer:
      for (int i = 0; i + needle.length <= bytes.length; i++) {
        for (int j = 0; j < needle.length; j++) {
          if (bytes[i + j] != needle[j]) {
            continue outer;
          }
        }
        return true;
      }
      return false;
    } catch (java.io.IOException e) {
      return false; // a socket or a file gone meanwhile
    }
  }

  @Test
  @Order(99)
  void theChartGrantsExactlyTheCallsTheAgentMade() throws Exception {
    Set<String> calls = new TreeSet<>();
    RecordedRequest request;
    while ((request = server.takeRequest(100, TimeUnit.MILLISECONDS)) != null) {
      if (AGENT.equals(request.getHeader("User-Agent"))) {
        calls.add(rbacCall(request.getMethod(), request.getPath()));
      }
    }
    String rendered = new Helm(AgentHome.REPO.resolve("charts/peapod")).template().withName("peapod")
        .withKubeVersion("1.30.0").call();
    ClusterRole role = java.util.Arrays.stream(rendered.split("(?m)^---\\s*$"))
        .filter(d -> d.contains("kind: ClusterRole\n"))
        .map(d -> client.getKubernetesSerialization().unmarshal(d, ClusterRole.class)).findFirst().orElseThrow();
    Set<String> granted = new TreeSet<>();
    role.getRules().forEach(rule -> rule.getApiGroups().forEach(group -> rule.getResources().forEach(
        resource -> rule.getVerbs().forEach(verb -> granted.add(group + "/" + resource + " " + verb)))));
    assertEquals(granted, calls);
  }

  /** {@code peapod.dev/peapods/status patch}: the resource and verb RBAC checks a request against. */
  private static String rbacCall(String method, String path) {
    String bare = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
    List<String> parts = List.of(bare.replaceFirst("^/", "").split("/"));
    // /api/v1/... or /apis/GROUP/VERSION/..., then [namespaces/NS/]RESOURCE[/NAME[/SUBRESOURCE]]
    String group = parts.get(0).equals("api") ? "" : parts.get(1);
    List<String> rest = parts.subList(parts.get(0).equals("api") ? 2 : 3, parts.size());
    if (rest.size() >= 2 && rest.get(0).equals("namespaces")) {
      rest = rest.subList(2, rest.size());
    }
    String resource = rest.get(0) + (rest.size() > 2 ? "/" + rest.get(2) : "");
    String verb = switch (method) {
      case "GET" -> path.contains("watch=true") ? "watch" : rest.size() == 1 ? "list" : "get";
      case "POST" -> "create";
      case "PUT" -> "update";
      case "PATCH" -> "patch";
      case "DELETE" -> rest.size() == 1 ? "deletecollection" : "delete";
      default -> method;
    };
    return group + "/" + resource + " " + verb;
  }
}
