package dev.peapod.controller.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.images.ImageStore;
import dev.peapod.images.PullListener;
import dev.peapod.provider.PodState;
import dev.peapod.provider.PodStatus;
import dev.peapod.provider.VmInfo;
import dev.peapod.provider.qemu.QemuConfig;
import dev.peapod.provider.qemu.QemuProvider;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The controller as users run it, {@code ./peapod serve} in its own process, killed and restarted
 * (a {@code @QuarkusTest} cannot be killed): {@code kill -9} while every pod is between launching
 * its QEMU and recording it ({@code PEAPOD_TEST_PAUSE_AT=after-launch}, the provider's crash point,
 * which holds the controller's workers there), first on a first start and then in the middle of a
 * recreate; each time a restarted controller converges with exactly one QEMU per pod, the recorded
 * one, and every pod Running its declared spec. In between, a graceful stop (SIGTERM) leaves the
 * VMs running and the next controller adopts them without a reboot.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ControllerRestartIT {

  private static final Duration CONVERGE = Duration.ofSeconds(120);
  private static final List<String> PODS = List.of("p1", "p2", "p3");

  private Path home;
  private Path pods;
  private Process controller;
  private Path log;
  private int runs;

  @BeforeEach
  void homeWithAnImage() throws Exception {
    home = Files.createTempDirectory("peapod-restart-it");
    pods = Files.createDirectories(home.resolve("repo/pods"));
    Path layout = home.resolve("oci");
    Process build = new ProcessBuilder(ControllerHome.REPO.resolve("scripts/busybox-oci.sh").toString(),
        layout.toString(), "1", "restart").inheritIO().start();
    assertEquals(0, build.waitFor());
    try (ImageStore store = ImageStore.builder(home.resolve("images")).build()) {
      store.load(layout, "it/bb:1", PullListener.NONE);
    }
  }

  @AfterEach
  void killEverything() throws IOException {
    if (controller != null) {
      controller.destroyForcibly();
    }
    qemus().forEach(ProcessHandle::destroyForcibly);
    try (Stream<Path> all = Files.walk(home)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Test
  void killedMidChangeARestartConvergesAndAStoppedControllerLeavesItsVmsRunning() throws Exception {
    for (String pod : PODS) {
      write(pod, "hello", "");
    }

    // kill -9 while every pod's QEMU runs but is not recorded yet: three orphans.
    serve("after-launch");
    awaitPaused(PODS.size());
    assertEquals(PODS.size(), qemus().size(), "each worker launched a QEMU before the kill");
    kill9();

    serve(null);
    Map<String, VmInfo> first = awaitConverged("hello", 128);

    // A graceful stop leaves every VM running; the next controller adopts them as they are.
    controller.destroy(); // SIGTERM
    assertTrue(controller.waitFor(60, TimeUnit.SECONDS), "the controller ends on SIGTERM");
    assertEquals(first.values().stream().map(VmInfo::pid).collect(Collectors.toSet()), qemuPids(),
        "the controller's stop left the VMs running");
    serve("after-launch"); // would hold (and fail the test) if it started any VM
    await("the restarted controller is ready", () -> get("/q/health/ready").startsWith("HTTP/1.1 200"));
    await("every pod listed as owned by the source", () -> PODS.stream().allMatch(p ->
        get("/v1/pods/" + p).contains("\"owner\":\"dir:" + pods + "\"")));
    Thread.sleep(5_000); // a few drift passes (1 s) and a resync (3 s)
    assertEquals(first, awaitConverged("hello", 128), "adopted, not restarted: same boot ids and QEMUs");
    assertTrue(!log().contains("paused at"), log());

    // kill -9 in the middle of a recreate (a VM-level change): old VMs gone, new ones launched.
    for (String pod : PODS) {
      write(pod, "bigger", "  vm: {memory: 160Mi}\n");
    }
    awaitPaused(PODS.size());
    kill9();

    serve(null);
    Map<String, VmInfo> second = awaitConverged("bigger", 160);
    for (String pod : PODS) {
      assertNotEquals(first.get(pod).bootId(), second.get(pod).bootId(), pod + " was recreated");
    }
  }

  private void write(String pod, String greeting, String extraSpec) throws IOException {
    Files.writeString(pods.resolve(pod + ".yaml"), """
        apiVersion: peapod.dev/v1alpha1
        kind: PeaPod
        metadata:
          name: %s
        spec:
          terminationGracePeriodSeconds: 0
          containers:
            - name: main
              image: it/bb:1
              command: [sleep, "100000"]
              env:
                - {name: GREETING, value: %s}
        %s""".formatted(pod, greeting, extraSpec));
  }

  /** {@code ./peapod serve} on this home, paused at the provider's crash point {@code pauseAt} if set. */
  private void serve(String pauseAt) throws IOException {
    log = home.resolve("serve-" + ++runs + ".log");
    ProcessBuilder builder = new ProcessBuilder(ControllerHome.REPO.resolve("peapod").toString(), "serve",
        "--source", "pods=dir:" + pods, "--workers", String.valueOf(PODS.size()));
    builder.environment().put("PEAPOD_HOME", home.toString());
    builder.environment().put("PEAPOD_JAVA_OPTS", "-Dpeapod.drift-interval=1s -Dpeapod.sources.pods.interval=3s");
    if (pauseAt != null) {
      builder.environment().put("PEAPOD_TEST_PAUSE_AT", pauseAt);
    } else {
      builder.environment().remove("PEAPOD_TEST_PAUSE_AT");
    }
    builder.redirectErrorStream(true).redirectOutput(log.toFile());
    controller = builder.start();
  }

  private void kill9() throws InterruptedException {
    controller.destroyForcibly(); // SIGKILL: no shutdown hook, no finally block runs
    assertTrue(controller.waitFor(10, TimeUnit.SECONDS));
    assertEquals(137, controller.exitValue());
  }

  private void awaitPaused(int workers) throws InterruptedException {
    await(workers + " workers paused", () -> log().lines().filter(l -> l.equals("peapod: paused at after-launch"))
        .count() == workers);
  }

  /**
   * Waits until every pod runs its declared spec in a VM of its own, the recorded QEMU is the only
   * one of this home, and returns each pod's VM.
   */
  private Map<String, VmInfo> awaitConverged(String greeting, int memoryMiB) throws InterruptedException {
    Map<String, VmInfo> vms = new TreeMap<>();
    await("pods running with GREETING=" + greeting + " and " + memoryMiB + " MiB, one QEMU each", () -> {
      vms.clear();
      try (QemuProvider provider = provider()) {
        for (String pod : PODS) {
          Optional<PodStatus> status = provider.inspect(pod);
          if (status.isEmpty() || status.get().state() != PodState.RUNNING || !status.get().message().isEmpty()
              || status.get().containers().size() != 1 || !status.get().containers().get(0).state().name().equals("RUNNING")
              || !greeting.equals(status.get().spec().containers().get(0).env().get("GREETING"))
              || status.get().spec().vm().memoryMiB() != memoryMiB || status.get().vm().isEmpty()) {
            return false;
          }
          vms.put(pod, status.get().vm().get());
        }
        return provider.list().size() == PODS.size();
      }
    });
    Set<Long> recorded = vms.values().stream().map(VmInfo::pid).collect(Collectors.toCollection(TreeSet::new));
    assertEquals(PODS.size(), recorded.size(), "a VM of its own for each pod: " + vms);
    assertEquals(recorded, qemuPids(), "exactly the recorded QEMUs run: no duplicate, no orphan");
    return Map.copyOf(vms);
  }

  private QemuProvider provider() {
    Properties properties = new Properties();
    properties.putAll(System.getProperties());
    properties.setProperty("peapod.home", home.toString());
    return new QemuProvider(QemuConfig.fromEnvironment(properties, System.getenv(), true));
  }

  /** Every QEMU started under this home, found by its command line (as PlanApplyIT counts them). */
  private List<ProcessHandle> qemus() {
    String dir = home.toString() + "/";
    return ProcessHandle.allProcesses()
        .filter(p -> p.info().commandLine().map(c -> c.contains("qemu-system") && c.contains(dir)).orElse(false))
        .collect(Collectors.toCollection(ArrayList::new));
  }

  private Set<Long> qemuPids() {
    return qemus().stream().map(ProcessHandle::pid).collect(Collectors.toCollection(TreeSet::new));
  }

  private String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "";
    }
  }

  /** One HTTP/1.1 request over the API's unix socket: the status line, headers and body. */
  private String get(String path) {
    try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(home.resolve("peapod.sock")))) {
      channel.write(ByteBuffer.wrap(("GET " + path + " HTTP/1.1\r\nHost: peapod\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII)));
      ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
      while (channel.read(buffer) >= 0) {
        // read to the end
      }
      return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  private void await(String what, Supplier<Boolean> condition) throws InterruptedException {
    Instant deadline = Instant.now().plus(CONVERGE);
    while (Instant.now().isBefore(deadline)) {
      try {
        if (condition.get()) {
          return;
        }
      } catch (RuntimeException e) {
        // not there yet
      }
      if (!controller.isAlive()) {
        throw new AssertionError("the controller ended (exit " + controller.exitValue() + ") before " + what + ":\n"
            + log());
      }
      Thread.sleep(250);
    }
    throw new AssertionError("not within " + CONVERGE + ": " + what + "\ncontroller log:\n" + log());
  }
}
