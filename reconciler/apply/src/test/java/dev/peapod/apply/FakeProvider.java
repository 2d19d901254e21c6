package dev.peapod.apply;

import dev.peapod.provider.AttachSession;
import dev.peapod.provider.AttachSpec;
import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.ExecSession;
import dev.peapod.provider.ExecSpec;
import dev.peapod.provider.InvalidStateException;
import dev.peapod.provider.LogQuery;
import dev.peapod.provider.LogRecord;
import dev.peapod.provider.PodNotFoundException;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.PodState;
import dev.peapod.provider.PodStatus;
import dev.peapod.provider.Provider;
import dev.peapod.provider.ProviderException;
import dev.peapod.provider.RecreateRequiredException;
import dev.peapod.provider.VmInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A provider that keeps pods in memory and records every call, for executor tests only (the
 * real QEMU provider is exercised end to end in the CLI's VM tests). {@link #failOn} makes one
 * call fail; {@link #slow} makes calls take time so parallelism can be observed. It keeps the
 * provider contract ({@link FakeProviderContractTest}): the same states, boot ids and typed
 * errors as QEMU, a VM-level change refused by replace.
 */
final class FakeProvider implements Provider {

  private final Map<String, PodStatus> pods = new ConcurrentHashMap<>();
  private final List<String> calls = java.util.Collections.synchronizedList(new ArrayList<>());
  private final Map<String, RuntimeException> failures = new ConcurrentHashMap<>();
  private final AtomicInteger running = new AtomicInteger();
  private final AtomicInteger maxRunning = new AtomicInteger();
  private volatile Duration delay = Duration.ZERO;

  /** A pod that already exists in {@code state}. */
  FakeProvider set(String pod, PodState state) {
    put(pod, state, PodSpec.of(pod, List.of()), state == PodState.RUNNING ? Optional.of(newVm()) : Optional.empty());
    return this;
  }

  /** The call {@code "start web"} throws {@code e} (once). */
  FakeProvider failOn(String call, RuntimeException e) {
    failures.put(call, e);
    return this;
  }

  FakeProvider slow(Duration perCall) {
    this.delay = perCall;
    return this;
  }

  List<String> calls() {
    return List.copyOf(calls);
  }

  int maxConcurrentCalls() {
    return maxRunning.get();
  }

  Optional<PodState> state(String pod) {
    return Optional.ofNullable(pods.get(pod)).map(PodStatus::state);
  }

  private void call(String call) {
    calls.add(call);
    int now = running.incrementAndGet();
    maxRunning.accumulateAndGet(now, Math::max);
    try {
      if (!delay.isZero()) {
        Thread.sleep(delay.toMillis());
      }
      RuntimeException failure = failures.remove(call);
      if (failure != null) {
        throw failure;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ProviderException(call, "interrupted");
    } finally {
      running.decrementAndGet();
    }
  }

  private PodStatus put(String pod, PodState state, PodSpec spec, Optional<VmInfo> vm) {
    PodStatus status = new PodStatus(pod, state, spec, Instant.EPOCH, vm, List.of(), "");
    pods.put(pod, status);
    return status;
  }

  /** A VM of its own for each start: a fresh boot id, as a real boot has. */
  private VmInfo newVm() {
    return new VmInfo(UUID.randomUUID().toString(), 0, "fake", Instant.EPOCH, Duration.ZERO);
  }

  private PodStatus runningPod(String pod, String why) {
    PodStatus status = existing(pod);
    if (status.state() != PodState.RUNNING) {
      throw new InvalidStateException(pod, status.state(), "is not running; " + why);
    }
    return status;
  }

  private PodStatus existing(String pod) {
    PodStatus status = pods.get(pod);
    if (status == null) {
      throw new PodNotFoundException(pod);
    }
    return status;
  }

  @Override
  public String name() {
    return "fake";
  }

  @Override
  public PodStatus create(PodSpec spec) {
    call("create " + spec.name());
    if (pods.containsKey(spec.name())) {
      throw new InvalidStateException(spec.name(), pods.get(spec.name()).state(), "already exists");
    }
    return put(spec.name(), PodState.CREATED, spec, Optional.empty());
  }

  @Override
  public PodStatus start(String pod) {
    call("start " + pod);
    PodStatus status = existing(pod);
    if (status.state() == PodState.RUNNING) {
      throw new InvalidStateException(pod, PodState.RUNNING, "is already running");
    }
    return put(pod, PodState.RUNNING, status.spec(), Optional.of(newVm()));
  }

  @Override
  public PodStatus replace(String pod, PodSpec spec) {
    call("replace " + pod);
    PodStatus status = runningPod(pod, "replace needs a running VM");
    if (!status.spec().vm().equals(spec.vm())) {
      throw new RecreateRequiredException(pod, "the VM's resources change (" + status.spec().vm() + " -> " + spec.vm() + ")");
    }
    return put(pod, PodState.RUNNING, spec, status.vm());
  }

  @Override
  public PodStatus handOver(String from, String to) {
    call("handOver " + from + " " + to);
    PodStatus old = runningPod(from, "a hand-over needs its running VM");
    PodStatus target = existing(to);
    if (target.state() != PodState.CREATED) {
      throw new InvalidStateException(to, target.state(), "must be Created to take over a VM");
    }
    if (!old.spec().vm().equals(target.spec().vm())) {
      throw new RecreateRequiredException(to, "the VM's resources differ (the VM of pod \"" + from + "\" cannot take it)");
    }
    put(from, PodState.CREATED, old.spec(), Optional.empty());
    return put(to, PodState.RUNNING, target.spec(), old.vm());
  }

  @Override
  public PodStatus stop(String pod, Duration grace) {
    call("stop " + pod);
    return put(pod, PodState.CREATED, existing(pod).spec(), Optional.empty());
  }

  @Override
  public void remove(String pod, Duration grace) {
    call("remove " + pod);
    existing(pod);
    pods.remove(pod);
  }

  @Override
  public Optional<PodStatus> inspect(String pod) {
    return Optional.ofNullable(pods.get(pod));
  }

  @Override
  public List<PodStatus> list() {
    return pods.values().stream().sorted(java.util.Comparator.comparing(PodStatus::name)).toList();
  }

  @Override
  public Stream<LogRecord> logs(String pod, LogQuery query) {
    return Stream.empty();
  }

  @Override
  public ExecSession exec(String pod, ExecSpec spec) {
    throw new UnsupportedOperationException("exec");
  }

  /** A main process that is {@code cat} echoes what an attached client writes, as the real one would. */
  @Override
  public AttachSession attach(String pod, AttachSpec spec) {
    call("attach " + pod + " " + spec.container());
    PodStatus status = runningPod(pod, "attach needs a running VM");
    ContainerSpec container = status.spec().allContainers().stream().filter(c -> c.name().equals(spec.container()))
        .findFirst().orElseThrow(() -> new ProviderException(pod, spec.container(), "no such container in the pod", null));
    if (spec.stdin() && !container.stdio().stdin()) {
      throw new ProviderException(pod, spec.container(), "has no stdin to attach to", null);
    }
    return new FakeAttachSession(container.command().equals(List.of("cat")), container.stdio().stdinOnce());
  }

  @Override
  public void close() {}

  static RecreateRequiredException recreateRequired(String pod) {
    return new RecreateRequiredException(pod, "image x of container \"c\" is not attached to the running VM");
  }
}
