package dev.peapod.bench;

import dev.peapod.engine.Engine;
import dev.peapod.images.ImageStore;
import dev.peapod.images.PullListener;
import dev.peapod.kubernetes.NodeAgent;
import dev.peapod.provider.qemu.QemuConfig;
import dev.peapod.provider.qemu.QemuProvider;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.FileInputStream;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node agent against fabric8's mock API server (CRUD mode, in this JVM) with real QEMU VMs:
 *
 * <ul>
 *   <li>{@code ready RUNS}: API create of a PeaPod bound to the node → its status Ready, one at a
 *       time (each deleted before the next), timed by a watch on the PeaPod; with the points a
 *       watch sees on the way (the finalizer written: the informer and queue; {@code
 *       status.pendingChange} written: the spec parsed and planned; Ready: the VM booted and the
 *       status written).
 *   <li>{@code resync PODS RESYNCS}: PODS PeaPods with {@code state: Created} (storage prepared, no
 *       VM) all reconciled, then RESYNCS resyncs of the unchanged set, each timed as the CPU of
 *       the thread that runs it and of the whole process, alternating with as many resyncs that
 *       read every pod's state afresh (the baseline: what each resync did before).
 * </ul>
 */
public final class K8sAgentBench {

  private static final ResourceDefinitionContext PEAPODS = new ResourceDefinitionContext.Builder()
      .withGroup("peapod.dev").withVersion("v1alpha1").withKind("PeaPod").withPlural("peapods").withNamespaced(true)
      .build();

  public static void main(String[] args) throws Exception {
    Path repo = Path.of(args[0]);
    String mode = args[1];
    Path home = Files.createTempDirectory("peapod-bench-k8s");
    KubernetesMockServer server = new KubernetesMockServer(new io.fabric8.mockwebserver.Context(),
        new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
    server.init();
    KubernetesClient client = server.createClient();
    try (InputStream crd = new FileInputStream(repo.resolve("charts/peapod/crds/peapods.peapod.dev-v1.yml").toFile())) {
      client.apiextensions().v1().customResourceDefinitions()
          .resource(client.getKubernetesSerialization().unmarshal(crd, CustomResourceDefinition.class)).create();
    }
    Properties properties = new Properties();
    properties.putAll(System.getProperties());
    properties.setProperty("peapod.home", home.toString());
    QemuConfig qemu = QemuConfig.fromEnvironment(properties, System.getenv(), true);
    try (ImageStore images = ImageStore.builder(home.resolve("images")).build()) {
      Path layout = home.resolve("oci");
      Process p = new ProcessBuilder(repo.resolve("scripts/busybox-oci.sh").toString(), layout.toString(), "1",
          "bench").inheritIO().start();
      if (p.waitFor() != 0) {
        throw new IllegalStateException("busybox-oci.sh failed");
      }
      images.load(layout, "bench/bb:1", PullListener.NONE);
      java.util.function.Supplier<Engine> engines = () -> Engine.withSharedImages(new QemuProvider(qemu), home, images,
          Engine.fileLocks(home, "peapod bench"), Clock.systemUTC());
      Duration resync = Duration.ofMinutes(10); // the bench resyncs by hand
      try (NodeAgent agent = new NodeAgent(client, "bench-node", engines, Clock.systemUTC(), resync)) {
        agent.start();
        if (mode.equals("ready")) {
          ready(client, Integer.parseInt(args[2]));
        } else {
          resync(client, agent, Integer.parseInt(args[2]), Integer.parseInt(args[3]));
        }
      }
    } finally {
      try (QemuProvider provider = new QemuProvider(qemu)) {
        provider.list().forEach(p -> provider.remove(p.name(), Duration.ZERO));
      }
      client.close();
      server.destroy();
      try (var all = Files.walk(home)) {
        all.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  private static GenericKubernetesResource peaPod(KubernetesClient client, String name, String extraSpec) {
    return client.getKubernetesSerialization().unmarshal("""
        apiVersion: peapod.dev/v1alpha1
        kind: PeaPod
        metadata: {name: %s, namespace: default, labels: {peapod.dev/node: bench-node}}
        spec:
          containers:
            - {name: main, image: bench/bb:1, command: [sh, -c, 'exec sleep 100000']}
          %s
        """.formatted(name, extraSpec), GenericKubernetesResource.class);
  }

  private static void ready(KubernetesClient client, int runs) throws Exception {
    Stats ready = new Stats("k8s_create_to_ready", "ms");
    Stats finalizer = new Stats("k8s_create_to_finalizer", "ms");
    Stats pending = new Stats("k8s_create_to_pending_change", "ms");
    for (int i = 0; i < runs; i++) {
      String name = "ready-" + i;
      Map<String, Long> seen = new ConcurrentHashMap<>();
      Map<String, String> boot = new ConcurrentHashMap<>();
      long start = System.nanoTime();
      try (Watch watch = client.genericKubernetesResources(PEAPODS).inNamespace("default").withName(name)
          .watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, GenericKubernetesResource r) {
              long at = System.nanoTime();
              if (r.getMetadata().getFinalizers() != null && !r.getMetadata().getFinalizers().isEmpty()) {
                seen.putIfAbsent("finalizer", at);
              }
              Object status = r.getAdditionalProperties().get("status");
              if (status instanceof Map<?, ?> s) {
                if (s.get("pendingChange") != null) {
                  seen.putIfAbsent("pending", at);
                }
                if (s.get("conditions") instanceof List<?> conditions && conditions.stream().anyMatch(c ->
                    c instanceof Map<?, ?> m && "Ready".equals(m.get("type")) && "True".equals(m.get("status")))) {
                  if (s.get("vm") instanceof Map<?, ?> vm) {
                    boot.putIfAbsent(name, String.valueOf(vm.get("boot")));
                  }
                  seen.putIfAbsent("ready", at);
                }
              }
            }

            @Override
            public void onClose(WatcherException cause) {
              // closed by the bench
            }
          })) {
        client.genericKubernetesResources(PEAPODS).inNamespace("default").resource(peaPod(client, name, "")).create();
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!seen.containsKey("ready")) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException(name + " not Ready in 120 s: " + seen.keySet());
          }
          Thread.sleep(2);
        }
      }
      ready.add((seen.get("ready") - start) / 1e6);
      finalizer.add((seen.getOrDefault("finalizer", seen.get("ready")) - start) / 1e6);
      pending.add((seen.getOrDefault("pending", seen.get("ready")) - start) / 1e6);
      System.out.printf("run %d: finalizer %.0f ms, pendingChange %.0f ms, Ready %.0f ms (%s)%n", i,
          (seen.getOrDefault("finalizer", 0L) - start) / 1e6, (seen.getOrDefault("pending", 0L) - start) / 1e6,
          (seen.get("ready") - start) / 1e6, boot.getOrDefault(name, "?"));
      client.genericKubernetesResources(PEAPODS).inNamespace("default").withName(name).delete();
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (client.genericKubernetesResources(PEAPODS).inNamespace("default").withName(name).get() != null) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(name + " not deleted in 60 s");
        }
        Thread.sleep(20);
      }
    }
    System.out.println(finalizer.line());
    System.out.println(pending.line());
    System.out.println(ready.line());
  }

  private static void resync(KubernetesClient client, NodeAgent agent, int pods, int resyncs) throws Exception {
    long t0 = System.nanoTime();
    for (int i = 0; i < pods; i++) {
      client.genericKubernetesResources(PEAPODS).inNamespace("default")
          .resource(peaPod(client, String.format("r-%04d", i), "state: Created")).create();
    }
    long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
    while (true) {
      long done = client.genericKubernetesResources(PEAPODS).inNamespace("default").list().getItems().stream()
          .filter(K8sAgentBench::createdAndReady).count();
      if (done == pods) {
        break;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(done + " of " + pods + " PeaPods Created after 30 min");
      }
      Thread.sleep(1000);
    }
    System.out.printf("%d PeaPods Created in %.1f s%n", pods, (System.nanoTime() - t0) / 1e9);
    // The last status writes come back through the informer, and the passes they queued (a
    // finalizer's update is one) are done: the resyncs are timed on a quiet agent.
    long quietBy = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    for (int quiet = 0; quiet < 3 && System.nanoTime() < quietBy; ) {
      Thread.sleep(1000);
      quiet = agent.queueDepth() == 0 ? quiet + 1 : 0;
    }
    System.out.println("PeaPods waiting for a pass when the resyncs begin: " + agent.queueDepth());
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    Stats thread = new Stats("k8s_resync_" + pods + "_cpu_thread", "ms");
    Stats process = new Stats("k8s_resync_" + pods + "_cpu_process", "ms");
    Stats wall = new Stats("k8s_resync_" + pods + "_wall", "ms");
    Stats freshThread = new Stats("k8s_resync_fresh_read_" + pods + "_cpu_thread", "ms");
    Stats freshProcess = new Stats("k8s_resync_fresh_read_" + pods + "_cpu_process", "ms");
    Stats freshWall = new Stats("k8s_resync_fresh_read_" + pods + "_wall", "ms");
    int queuedTotal = 0;
    // BENCH_JFR=FILE: a flight recording of the resyncs alone (where their CPU goes), not of the creations.
    String jfr = System.getenv("BENCH_JFR");
    jdk.jfr.Recording recording = null;
    if (jfr != null && !jfr.isEmpty()) {
      recording = new jdk.jfr.Recording(jdk.jfr.Configuration.getConfiguration("profile"));
      recording.setDestination(Path.of(jfr));
      recording.start();
    }
    // Alternately: the baseline, a resync that reads every pod's state afresh (what each resync did
    // before it planned against the last read), and the resync as it runs now.
    for (int i = 0; i < 2 * resyncs; i++) {
      boolean fresh = i % 2 == 0;
      long c0 = threads.getCurrentThreadCpuTime();
      long p0 = os.getProcessCpuTime();
      long w0 = System.nanoTime();
      int queued = fresh ? agent.resyncFromAFreshRead() : agent.resync();
      long w1 = System.nanoTime();
      long p1 = os.getProcessCpuTime();
      long c1 = threads.getCurrentThreadCpuTime();
      queuedTotal += queued;
      (fresh ? freshThread : thread).add((c1 - c0) / 1e6);
      (fresh ? freshProcess : process).add((p1 - p0) / 1e6);
      (fresh ? freshWall : wall).add((w1 - w0) / 1e6);
      Thread.sleep(500);
    }
    if (recording != null) {
      recording.stop();
      recording.close();
    }
    System.out.println("PeaPods queued by the " + 2 * resyncs + " resyncs: " + queuedTotal);
    System.out.println(freshWall.line());
    System.out.println(freshProcess.line());
    System.out.println(freshThread.line());
    System.out.println(wall.line());
    System.out.println(process.line());
    System.out.println(thread.line());
    System.out.printf(java.util.Locale.ROOT, "k8s_resync_%d_cpu_process_ratio: %.2f x (fresh read / resync)%n", pods,
        freshProcess.median() / process.median());
  }

  @SuppressWarnings("unchecked")
  private static boolean createdAndReady(GenericKubernetesResource r) {
    Object status = r.getAdditionalProperties().get("status");
    if (!(status instanceof Map<?, ?> s) || !"Created".equals(s.get("phase"))) {
      return false;
    }
    return s.get("conditions") instanceof List<?> conditions && conditions.stream().anyMatch(c ->
        c instanceof Map<?, ?> m && "Ready".equals(m.get("type")) && "True".equals(m.get("status")));
  }
}
