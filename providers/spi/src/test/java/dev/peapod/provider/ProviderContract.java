package dev.peapod.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Provider} promises its callers (the executor, the controller, the CLI), as
 * tests that each implementation runs against itself by extending this class: the lifecycle
 * Absent → create → Created → start → Running → replace (same VM) → stop → Created → remove →
 * Absent, the hand-over of a running VM, attaching to a container's main process, and the typed errors of each operation called in the
 * wrong state: {@link InvalidStateException}, {@link PodNotFoundException} and {@link
 * RecreateRequiredException}, each refused before anything changed. The behavioural fake that
 * unit tests use passes the same suite as {@code QemuProvider} with real VMs, so a test written
 * against the fake means what it says.
 *
 * <p>An implementation gives a provider and a spec of a pod that runs (one long-running
 * container); the suite names its pods {@code contract-N} and removes them after each test.
 */
public abstract class ProviderContract {

  private final List<String> made = new ArrayList<>();
  private int next;
  protected Provider provider;

  /** A provider over empty state (each test makes its own pods). */
  protected abstract Provider newProvider() throws Exception;

  /** A pod named {@code name} whose one container runs until it is stopped. */
  protected abstract PodSpec runnableSpec(String name) throws Exception;

  @BeforeEach
  void open() throws Exception {
    provider = newProvider();
  }

  @AfterEach
  void removeWhatTheTestMade() {
    for (String pod : made) {
      try {
        if (provider.inspect(pod).isPresent()) {
          provider.remove(pod, Duration.ZERO);
        }
      } catch (RuntimeException e) {
        System.err.println("contract clean-up of " + pod + ": " + e.getMessage());
      }
    }
    provider.close();
  }

  private String name() {
    String pod = "contract-" + ++next;
    made.add(pod);
    return pod;
  }

  private PodStatus created() throws Exception {
    return provider.create(runnableSpec(name()));
  }

  private PodStatus running() throws Exception {
    return provider.start(created().name());
  }

  private static PodSpec withEnv(PodSpec spec, String value) {
    List<ContainerSpec> containers = spec.containers().stream().map(c -> c.withEnv(Map.of("CONTRACT", value))).toList();
    return spec.withContainers(containers);
  }

  /**
   * {@link #runnableSpec} with its first container running {@code cat} on a stdin attached clients
   * write, with or without {@code stdinOnce}.
   */
  private PodSpec catSpec(String name, boolean stdinOnce) throws Exception {
    PodSpec spec = runnableSpec(name);
    ContainerSpec c = spec.containers().get(0);
    ContainerSpec cat = new ContainerSpec(c.name(), c.image(), List.of("cat"), c.env(), c.workingDir(), c.user(),
        c.restartPolicy(), c.mounts(), new ContainerSpec.Stdio(true, stdinOnce, false));
    return spec.withContainers(List.of(cat));
  }

  /** Reads until {@code expected} has arrived (or the stream ends), at most 60 s. */
  private static String readUntil(InputStream in, String expected) throws Exception {
    CompletableFuture<String> read = CompletableFuture.supplyAsync(() -> {
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      byte[] buffer = new byte[256];
      try {
        int n;
        while (!got.toString(StandardCharsets.UTF_8).contains(expected) && (n = in.read(buffer)) > 0) {
          got.write(buffer, 0, n);
        }
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      return got.toString(StandardCharsets.UTF_8);
    });
    return read.get(60, TimeUnit.SECONDS);
  }

  private PodStatus inspect(String pod) {
    return provider.inspect(pod).orElseThrow(() -> new AssertionError(pod + " is not there"));
  }

  @Test
  void createLeavesAPodCreatedWithItsSpecInInspectListAndInventory() throws Exception {
    String pod = name();
    PodSpec spec = runnableSpec(pod);
    PodStatus status = provider.create(spec);

    assertEquals(PodState.CREATED, status.state());
    assertEquals(spec, status.spec());
    assertEquals(Optional.empty(), status.vm(), "no VM before start");
    assertEquals(PodState.CREATED, inspect(pod).state());
    assertTrue(provider.list().stream().anyMatch(p -> p.name().equals(pod) && p.state() == PodState.CREATED));
    assertTrue(provider.inventory().stream().anyMatch(p -> p.name().equals(pod) && p.state() == PodState.CREATED));
    assertEquals(PodState.CREATED, provider.inventoryOf(pod).orElseThrow().state());
    assertEquals(Optional.empty(), provider.inventoryOf(name()), "a pod that was never made");
  }

  @Test
  void createOfAnExistingPodIsAnInvalidStateAndKeepsTheFirstSpec() throws Exception {
    PodStatus first = created();

    InvalidStateException e = assertThrows(InvalidStateException.class,
        () -> provider.create(withEnv(first.spec(), "second")));
    assertEquals(first.name(), e.pod());
    assertEquals(PodState.CREATED, e.actual());
    assertEquals(first.spec(), inspect(first.name()).spec());
  }

  @Test
  void startRunsTheContainersInAVmAndASecondStartIsAnInvalidState() throws Exception {
    PodStatus status = running();

    assertEquals(PodState.RUNNING, status.state());
    assertTrue(status.vm().isPresent(), "a running pod has a VM");
    assertEquals(PodState.RUNNING, inspect(status.name()).state());
    assertEquals(status.vm().get().bootId(), inspect(status.name()).vm().orElseThrow().bootId());
    assertEquals(status.vm().get().bootId(), provider.inventoryOf(status.name()).orElseThrow().vm().orElseThrow().bootId());
    InvalidStateException e = assertThrows(InvalidStateException.class, () -> provider.start(status.name()));
    assertEquals(PodState.RUNNING, e.actual());
    assertEquals(status.vm().get().bootId(), inspect(status.name()).vm().orElseThrow().bootId(), "the VM stays");
  }

  @Test
  void replaceOfContainerFieldsKeepsTheVm() throws Exception {
    PodStatus before = running();
    PodSpec changed = withEnv(before.spec(), "replaced");

    PodStatus after = provider.replace(before.name(), changed);

    assertEquals(PodState.RUNNING, after.state());
    assertEquals(changed, after.spec());
    assertEquals(before.vm().orElseThrow().bootId(), after.vm().orElseThrow().bootId(), "same VM");
    assertEquals(changed, inspect(before.name()).spec());
  }

  @Test
  void replaceOfAVmLevelFieldIsRecreateRequiredAndChangesNothing() throws Exception {
    PodStatus before = running();
    VmResources vm = before.spec().vm();
    PodSpec bigger = before.spec().withVm(new VmResources(vm.vcpus(), vm.memoryMiB() + 32, vm.kernel()));

    RecreateRequiredException e = assertThrows(RecreateRequiredException.class,
        () -> provider.replace(before.name(), bigger));
    assertEquals(before.name(), e.pod());
    PodStatus after = inspect(before.name());
    assertEquals(PodState.RUNNING, after.state());
    assertEquals(before.spec(), after.spec());
    assertEquals(before.vm().orElseThrow().bootId(), after.vm().orElseThrow().bootId());
  }

  @Test
  void replaceOfACreatedPodIsAnInvalidState() throws Exception {
    PodStatus pod = created();

    InvalidStateException e = assertThrows(InvalidStateException.class,
        () -> provider.replace(pod.name(), withEnv(pod.spec(), "x")));
    assertEquals(PodState.CREATED, e.actual());
    assertEquals(pod.spec(), inspect(pod.name()).spec());
  }

  @Test
  void stopEndsTheVmKeepsTheSpecAndIsIdempotent() throws Exception {
    PodStatus running = running();

    PodStatus stopped = provider.stop(running.name(), Duration.ZERO);

    assertEquals(PodState.CREATED, stopped.state());
    assertEquals(Optional.empty(), stopped.vm());
    assertEquals(running.spec(), stopped.spec());
    assertEquals(PodState.CREATED, provider.stop(running.name(), Duration.ZERO).state(), "stopping a stopped pod");
    PodStatus again = provider.start(running.name());
    assertEquals(PodState.RUNNING, again.state());
    assertNotEquals(running.vm().orElseThrow().bootId(), again.vm().orElseThrow().bootId(), "a start is a new boot");
  }

  @Test
  void removeOfARunningPodLeavesNothing() throws Exception {
    PodStatus pod = running();

    provider.remove(pod.name(), Duration.ZERO);

    assertEquals(Optional.empty(), provider.inspect(pod.name()));
    assertTrue(provider.list().stream().noneMatch(p -> p.name().equals(pod.name())));
    assertTrue(provider.inventory().stream().noneMatch(p -> p.name().equals(pod.name())));
    assertEquals(Optional.empty(), provider.inventoryOf(pod.name()));
    assertEquals(PodState.CREATED, provider.create(pod.spec()).state(), "the name is free again");
  }

  @Test
  void everyOperationOnAMissingPodIsPodNotFound() throws Exception {
    String pod = name();
    PodSpec spec = runnableSpec(pod);

    assertEquals(Optional.empty(), provider.inspect(pod));
    assertThrows(PodNotFoundException.class, () -> provider.start(pod));
    assertThrows(PodNotFoundException.class, () -> provider.replace(pod, spec));
    assertThrows(PodNotFoundException.class, () -> provider.stop(pod, Duration.ZERO));
    assertThrows(PodNotFoundException.class, () -> provider.remove(pod, Duration.ZERO));
    assertEquals(Optional.empty(), provider.inspect(pod), "nothing was made on the way");
  }

  @Test
  void handOverGivesTheRunningVmToACreatedPod() throws Exception {
    PodStatus from = running();
    PodStatus to = created();

    PodStatus result = provider.handOver(from.name(), to.name());

    assertEquals(PodState.RUNNING, result.state());
    assertEquals(to.spec(), result.spec());
    assertEquals(from.vm().orElseThrow().bootId(), result.vm().orElseThrow().bootId(), "the same VM");
    PodStatus old = inspect(from.name());
    assertEquals(PodState.CREATED, old.state());
    assertEquals(from.spec(), old.spec(), "the old pod keeps its spec");
  }

  @Test
  void handOverRefusesAStoppedSourceARunningTargetAndAMissingPod() throws Exception {
    PodStatus stopped = created();
    PodStatus target = created();
    PodStatus running = running();

    assertThrows(InvalidStateException.class, () -> provider.handOver(stopped.name(), target.name()));
    assertThrows(InvalidStateException.class, () -> provider.handOver(running.name(), running().name()));
    assertThrows(PodNotFoundException.class, () -> provider.handOver(running.name(), "contract-missing"));
    assertThrows(PodNotFoundException.class, () -> provider.handOver("contract-missing", target.name()));
    assertEquals(PodState.CREATED, inspect(target.name()).state());
    assertEquals(running.vm().orElseThrow().bootId(), inspect(running.name()).vm().orElseThrow().bootId());
  }

  @Test
  void attachedStdinReachesTheMainProcessAndDetachingLeavesItRunning() throws Exception {
    String pod = name();
    provider.create(catSpec(pod, false));
    PodStatus running = provider.start(pod);
    String container = running.spec().containers().get(0).name();

    try (AttachSession session = provider.attach(pod, AttachSpec.of(container, true))) {
      session.stdin().write("hi\n".getBytes(StandardCharsets.UTF_8));
      session.stdin().flush();
      assertEquals("hi\n", readUntil(session.stdout(), "hi\n"));
    }
    try (AttachSession again = provider.attach(pod, AttachSpec.of(container, true))) {
      again.stdin().write("again\n".getBytes(StandardCharsets.UTF_8));
      assertEquals("again\n", readUntil(again.stdout(), "again\n"), "a later client's input reaches it too");
      again.stdin().close(); // this client's end of input: without stdinOnce, not the process's
      assertEquals(OptionalInt.empty(), again.waitFor(Duration.ofSeconds(2)), "cat still runs");
    }
    assertEquals(PodState.RUNNING, inspect(pod).state());
    assertEquals(running.vm().orElseThrow().bootId(), inspect(pod).vm().orElseThrow().bootId());
  }

  @Test
  void withStdinOnceTheClientsEndOfInputEndsTheProcessesInput() throws Exception {
    String pod = name();
    provider.create(catSpec(pod, true));
    String container = provider.start(pod).spec().containers().get(0).name();

    try (AttachSession session = provider.attach(pod, AttachSpec.of(container, true))) {
      session.stdin().write("last\n".getBytes(StandardCharsets.UTF_8));
      assertEquals("last\n", readUntil(session.stdout(), "last\n"));
      session.stdin().close();
      assertEquals(OptionalInt.of(0), session.waitFor(Duration.ofSeconds(60)), "cat saw the end of its input");
    }
  }

  @Test
  void attachRefusesAMissingPodACreatedPodAMissingContainerAndStdinThatIsNotThere() throws Exception {
    PodStatus created = created();
    PodStatus running = running();
    String container = running.spec().containers().get(0).name();

    assertThrows(PodNotFoundException.class, () -> provider.attach("contract-missing", AttachSpec.of(container, false)));
    InvalidStateException e = assertThrows(InvalidStateException.class,
        () -> provider.attach(created.name(), AttachSpec.of(container, false)));
    assertEquals(PodState.CREATED, e.actual());
    assertThrows(ProviderException.class, () -> provider.attach(running.name(), AttachSpec.of("no-such", false)));
    ProviderException noStdin = assertThrows(ProviderException.class,
        () -> provider.attach(running.name(), AttachSpec.of(container, true)));
    assertTrue(noStdin.getMessage().contains("stdin"), noStdin.getMessage());
    try (AttachSession outputOnly = provider.attach(running.name(), AttachSpec.of(container, false))) {
      assertEquals(OptionalInt.empty(), outputOnly.waitFor(Duration.ofMillis(100)), "attaching for output is fine");
    }
  }
}
