package dev.peapod.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.provider.ContainerLifecycle;
import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.ContainerStatus;
import dev.peapod.provider.ContainerStatus.ContainerState;
import dev.peapod.provider.ImageRootfs;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.PodState;
import dev.peapod.provider.PodStatus;
import dev.peapod.provider.Probe;
import dev.peapod.provider.ProbeAction;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The rules of {@link ReadinessWatch} that need no VM: which pods it looks at, how often, and what counts as a change. */
class ReadinessWatchTest {

  private static final ImageRootfs IMAGE = new ImageRootfs("sha256:1", Path.of("/images/1"));

  private static ContainerSpec container(String name, Optional<Probe> readiness, Optional<Probe> startup) {
    return ContainerSpec.of(name, IMAGE, List.of("sleep", "1000")).withLifecycle(new ContainerLifecycle(
        Optional.empty(), readiness, startup, Optional.empty(), Optional.empty()));
  }

  private static Optional<Probe> every(int seconds) {
    return Optional.of(new Probe(new ProbeAction.Exec(List.of("true")), Duration.ZERO, Duration.ofSeconds(seconds),
        Duration.ofSeconds(1), 1, 3, Optional.empty()));
  }

  private static PodStatus pod(List<ContainerSpec> containers, List<ContainerStatus> statuses) {
    return new PodStatus("p", PodState.RUNNING, PodSpec.of("p", containers), Instant.EPOCH, Optional.empty(),
        statuses, "");
  }

  private static ContainerStatus status(String name, ContainerState state, boolean ready) {
    return new ContainerStatus(name, state, 7, OptionalInt.empty(), 0, "sha256:1", ready, true, "");
  }

  @Test
  void thePeriodIsTheShortestReadinessOrStartupProbesWithinOneToTenSeconds() {
    PodStatus p = pod(List.of(container("a", every(4), Optional.empty()), container("b", every(6), every(3))),
        List.of());
    assertEquals(Optional.of(Duration.ofSeconds(3)), ReadinessWatch.period(p));
    assertEquals(Optional.of(Duration.ofSeconds(10)),
        ReadinessWatch.period(pod(List.of(container("a", every(60), Optional.empty())), List.of())));
    assertEquals(Optional.of(Duration.ofSeconds(1)), ReadinessWatch.period(pod(List.of(container("a",
        Optional.of(new Probe(new ProbeAction.Exec(List.of("true")), Duration.ZERO, Duration.ofMillis(100),
            Duration.ofSeconds(1), 1, 3, Optional.empty())), Optional.empty())), List.of())));
  }

  @Test
  void aPodWhoseReadinessNoProbeDecidesIsNotLookedAt() {
    assertEquals(Optional.empty(), ReadinessWatch.period(pod(List.of(container("a", Optional.empty(),
        Optional.empty())), List.of())));
  }

  @Test
  void whileNothingChangesTheWaitDoublesUpToTenSeconds() {
    assertEquals(Duration.ofSeconds(2), ReadinessWatch.backedOff(Duration.ofSeconds(1)));
    assertEquals(Duration.ofSeconds(8), ReadinessWatch.backedOff(Duration.ofSeconds(4)));
    assertEquals(Duration.ofSeconds(10), ReadinessWatch.backedOff(Duration.ofSeconds(8)));
    assertEquals(Duration.ofSeconds(10), ReadinessWatch.backedOff(Duration.ofSeconds(10)));
  }

  @Test
  void readinessIsEachAppContainersReadyWhileRunningAndNothingElse() {
    List<ContainerSpec> specs = List.of(container("web", every(1), Optional.empty()),
        container("side", Optional.empty(), Optional.empty()));
    PodStatus notReady = pod(specs, List.of(status("web", ContainerState.RUNNING, false),
        status("side", ContainerState.RUNNING, true)));
    assertEquals("web=false,side=true", ReadinessWatch.readiness(notReady));
    PodStatus ready = pod(specs, List.of(status("web", ContainerState.RUNNING, true),
        status("side", ContainerState.RUNNING, true)));
    assertNotEquals(ReadinessWatch.readiness(notReady), ReadinessWatch.readiness(ready));
    // A restart that leaves the container ready again is no change of readiness: no status write.
    PodStatus restarted = pod(specs, List.of(
        new ContainerStatus("web", ContainerState.RUNNING, 9, OptionalInt.of(1), 1, "sha256:1", true, true, ""),
        status("side", ContainerState.RUNNING, true)));
    assertEquals(ReadinessWatch.readiness(ready), ReadinessWatch.readiness(restarted));
    PodStatus waiting = pod(specs, List.of(status("web", ContainerState.WAITING, true),
        status("side", ContainerState.RUNNING, true)));
    assertEquals("web=false,side=true", ReadinessWatch.readiness(waiting), "ready only while running");
  }

  /** A clock the test moves. */
  private static final class TestClock extends java.time.Clock {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @Override
    public java.time.ZoneId getZone() {
      return java.time.ZoneOffset.UTC;
    }

    @Override
    public java.time.Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  /**
   * With notices pushed, a converged PeaPod whose guest sent one is polled every 10 s only; a
   * notice makes it due at once, but never sooner than a second after its guest was last asked (a
   * guest sending notices without end costs a look a second); a notice that came during the pass
   * makes the look immediate once the pass converged.
   */
  @Test
  void aNoticeMakesThePodDueAtOnceAtMostOnceASecond() {
    TestClock clock = new TestClock();
    ReadinessWatch watch = new ReadinessWatch(() -> {
      throw new AssertionError("no look in this test");
    }, key -> null, (peaPod, pod, desired, now) -> {}, clock);
    watch.pushed(true);
    PodStatus p = pod(List.of(container("web", every(1), Optional.empty())),
        List.of(status("web", ContainerState.RUNNING, false)));
    watch.nudged("default--web");
    watch.converged("default/web", "default--web", 1, Optional.of(dev.peapod.manifest.model.DesiredState.RUNNING),
        Optional.of(p));
    assertEquals(Duration.ofSeconds(10), watch.waits().get("default/web"), "the safety net only");
    assertEquals(clock.now, watch.dues().get("default/web"), "the notice came during the pass: at once");
    watch.forget("default/web");
    watch.converged("default/web", "default--web", 1, Optional.of(dev.peapod.manifest.model.DesiredState.RUNNING),
        Optional.of(p));
    assertEquals(clock.now.plusSeconds(10), watch.dues().get("default/web"));

    clock.now = clock.now.plusMillis(300);
    watch.nudged("default--web");
    assertEquals(clock.now.minusMillis(300).plusSeconds(1), watch.dues().get("default/web"),
        "a second after the pass asked its guest");
    clock.now = clock.now.plusSeconds(5);
    watch.nudged("default--web");
    assertTrue(!watch.dues().get("default/web").isAfter(clock.now), "at once");
    watch.nudged("default--other");
    assertTrue(!watch.dues().get("default/web").isAfter(clock.now), "another pod's notice changes nothing here");

    // A notice during a pass: the pass converges with what it read, and the look follows at once.
    watch.forget("default/web");
    clock.now = clock.now.plusSeconds(5);
    watch.nudged("default--web");
    watch.converged("default/web", "default--web", 1, Optional.of(dev.peapod.manifest.model.DesiredState.RUNNING),
        Optional.of(p));
    assertEquals(clock.now, watch.dues().get("default/web"));
  }

  /**
   * The slow poll is earned pod by pod: with the provider's events watched, a pod whose guest sent
   * no notice (a VM from before notices, or one whose notice port another process holds) is still
   * polled at its probe's period; one that did is polled every 10 s until it is found stopped.
   */
  @Test
  void onlyAPodThatSentANoticeIsPolledSlowly() {
    TestClock clock = new TestClock();
    ReadinessWatch watch = new ReadinessWatch(() -> {
      throw new AssertionError("no look in this test");
    }, key -> null, (peaPod, pod, desired, now) -> {}, clock);
    watch.pushed(true);
    PodStatus p = pod(List.of(container("web", every(2), Optional.empty())),
        List.of(status("web", ContainerState.RUNNING, false)));
    var running = Optional.of(dev.peapod.manifest.model.DesiredState.RUNNING);
    watch.converged("default/old", "default--old", 1, running, Optional.of(p));
    watch.nudged("default--new");
    watch.converged("default/new", "default--new", 1, running, Optional.of(p));
    assertEquals(Duration.ofSeconds(2), watch.waits().get("default/old"), "no notice from its guest: its probe's period");
    assertEquals(Duration.ofSeconds(10), watch.waits().get("default/new"));

    PodStatus stopped = new PodStatus("p", PodState.CREATED, p.spec(), Instant.EPOCH, Optional.empty(), List.of(), "");
    watch.converged("default/new", "default--new", 1, running, Optional.of(stopped));
    watch.converged("default/new", "default--new", 1, running, Optional.of(p));
    assertEquals(Duration.ofSeconds(2), watch.waits().get("default/new"), "a new VM tells again that it sends notices");

    watch.pushed(false);
    watch.nudged("default--old");
    watch.converged("default/old", "default--old", 1, running, Optional.of(p));
    assertEquals(Duration.ofSeconds(2), watch.waits().get("default/old"), "the provider's events are not watched");
  }

  /** A sidecar's readiness probe makes its PeaPod watched, and its readiness is part of the pod's. */
  @Test
  void sidecarsCountAsAppContainersDo() {
    PodSpec spec = PodSpec.of("p", List.of(container("web", Optional.empty(), Optional.empty())))
        .withInitContainers(List.of(container("setup", every(2), Optional.empty()),
            container("proxy", every(3), Optional.empty()).withRestartPolicy(dev.peapod.provider.RestartPolicy.ALWAYS)));
    PodStatus p = new PodStatus("p", PodState.RUNNING, spec, Instant.EPOCH, Optional.empty(),
        List.of(status("proxy", ContainerState.RUNNING, false), status("web", ContainerState.RUNNING, true)), "");
    assertEquals(Optional.of(Duration.ofSeconds(3)), ReadinessWatch.period(p), "the sidecar's, not the init container's");
    assertEquals("proxy=false,web=true", ReadinessWatch.readiness(p));
  }
}
