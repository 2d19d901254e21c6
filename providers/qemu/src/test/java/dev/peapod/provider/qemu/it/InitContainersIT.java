package dev.peapod.provider.qemu.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.ContainerStatus;
import dev.peapod.provider.ContainerStatus.ContainerState;
import dev.peapod.provider.ImageRootfs;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.PodState;
import dev.peapod.provider.PodStatus;
import dev.peapod.provider.ProviderException;
import dev.peapod.provider.RestartPolicy;
import dev.peapod.provider.VolumeMount;
import dev.peapod.provider.VolumeSpec;
import dev.peapod.provider.qemu.QemuProvider;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Init containers in real VMs: run to completion in order before the app containers, a sidecar
 * keeps running, a failure names the init container with its exit code and output and leaves the
 * pod Created, OnFailure retries, and replace runs the new spec's init containers again.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class InitContainersIT {

  private static final String[] PODS = {"init-ok", "init-fails", "init-retries"};
  private static final VolumeMount DATA = VolumeMount.of("data", "/data");

  private QemuProvider provider;
  private ImageRootfs image;

  @BeforeAll
  void setUp() throws Exception {
    image = BusyboxImages.build(VmTestSupport.IMAGES, "busybox-a", Map.of("www/index.html", "hello from web\n"));
    provider = VmTestSupport.newProviderWithout(PODS);
  }

  @AfterAll
  void cleanUp() {
    VmTestSupport.cleanUp(provider, PODS);
  }

  @Test
  void initContainersRunInOrderBeforeTheAppAndASidecarKeepsRunning() {
    PodSpec spec = pod("init-ok", List.of(
        container("prepare", "echo prepared > /data/state; echo prepare done", RestartPolicy.NEVER),
        // The sidecar must run before the next init container starts: it writes a marker that one checks.
        container("side", "echo side-up > /data/side; exec sleep 1000", RestartPolicy.ALWAYS),
        container("check", "for i in $(seq 50); do [ -f /data/side ] && break; sleep 0.1; done;"
            + " cat /data/side >> /data/state", RestartPolicy.NEVER)),
        "cat /data/state > /data/seen-by-app; exec sleep 1000");
    provider.create(spec);

    PodStatus status = provider.start("init-ok");

    assertEquals(PodState.RUNNING, status.state());
    assertEquals(List.of("prepare", "side", "check", "app"),
        status.containers().stream().map(ContainerStatus::name).toList(), status::toString);
    assertExitedZero(status.container("prepare").orElseThrow());
    assertExitedZero(status.container("check").orElseThrow());
    assertEquals(ContainerState.RUNNING, status.container("side").orElseThrow().state());
    assertEquals(ContainerState.RUNNING, status.container("app").orElseThrow().state());
    assertEquals("prepared\nside-up\n", VmTestSupport.exec(provider, "init-ok", "app", "cat", "/data/state").stdout());

    // replace: the new spec's init containers run again in the same VM before its app.
    String bootId = status.vm().orElseThrow().bootId();
    PodSpec replaced = pod("init-ok", List.of(container("prepare", "echo second > /data/state", RestartPolicy.NEVER)),
        "exec sleep 1000");
    PodStatus after = provider.replace("init-ok", replaced);

    assertEquals(bootId, after.vm().orElseThrow().bootId());
    assertExitedZero(after.container("prepare").orElseThrow());
    assertEquals("second\n", VmTestSupport.exec(provider, "init-ok", "app", "cat", "/data/state").stdout());
  }

  @Test
  void aFailingInitContainerWithRestartPolicyNeverLeavesThePodCreatedWithItsExitCodeAndOutput() {
    PodSpec spec = pod("init-fails", List.of(
        container("migrate", "echo starting migration; echo 'no such table: users' >&2; exit 3", RestartPolicy.NEVER)),
        "echo app must not start; exec sleep 1000");
    provider.create(spec);

    ProviderException e = assertThrows(ProviderException.class, () -> provider.start("init-fails"));

    assertEquals(Optional.of("migrate"), e.container());
    assertEquals("pod \"init-fails\", container \"migrate\": init container exited with code 3; restartPolicy Never,"
        + " so it was not retried; the app containers were not started. Its last output:\n"
        + "  starting migration\n  no such table: users", e.getMessage());
    PodStatus status = provider.inspect("init-fails").orElseThrow();
    assertEquals(PodState.CREATED, status.state());
    assertTrue(status.vm().isEmpty());
    assertEquals("start failed: " + e.getMessage(), status.message());

    // A stop clears the message: it no longer describes the pod.
    assertEquals("", provider.stop("init-fails", Duration.ZERO).message());
  }

  @Test
  void anInitContainerWithRestartPolicyOnFailureIsRetriedWithBackoffUntilItSucceeds() {
    // Fails on the first attempt, succeeds on the second: the emptyDir keeps the count across attempts.
    String flaky = "n=$(cat /data/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > /data/n; echo attempt $n;"
        + " [ $n -ge 2 ]";
    PodSpec spec = pod("init-retries", List.of(container("flaky", flaky, RestartPolicy.ON_FAILURE)),
        "exec sleep 1000");
    provider.create(spec);

    long started = System.nanoTime();
    PodStatus status = provider.start("init-retries");

    assertEquals(PodState.RUNNING, status.state());
    assertTrue(Duration.ofNanos(System.nanoTime() - started).compareTo(Duration.ofSeconds(1)) >= 0,
        "the retry waited for its backoff");
    assertExitedZero(status.container("flaky").orElseThrow());
    assertEquals("2\n", VmTestSupport.exec(provider, "init-retries", "app", "cat", "/data/n").stdout());
  }

  private static void assertExitedZero(ContainerStatus c) {
    assertEquals(ContainerState.EXITED, c.state(), c::toString);
    assertEquals(0, c.exitCode().orElse(-1), c::toString);
  }

  private PodSpec pod(String name, List<ContainerSpec> init, String appScript) {
    return PodSpec.of(name, List.of(container("app", appScript, RestartPolicy.NEVER)))
        .withVolumes(List.of(VolumeSpec.emptyDir("data")))
        .withInitContainers(init)
        .withTerminationGracePeriod(Duration.ZERO);
  }

  private ContainerSpec container(String name, String script, RestartPolicy policy) {
    return ContainerSpec.of(name, image, List.of("sh", "-c", script))
        .withRestartPolicy(policy)
        .withMounts(List.of(DATA));
  }
}
