package dev.peapod.bench;

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
import dev.peapod.provider.RecreateRequiredException;
import dev.peapod.provider.VmInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.Stream;

/**
 * Pods in memory, with the lifecycle and the typed errors of the provider SPI, for the planner-level
 * benchmarks (what they measure is the engine's own work per pass, not a VM's): a start is a new
 * boot id, a replace keeps it and refuses a VM-level change.
 */
final class MemoryProvider implements Provider {

  private final Map<String, PodStatus> pods = new ConcurrentSkipListMap<>();

  @Override
  public String name() {
    return "memory";
  }

  private PodStatus put(String pod, PodState state, PodSpec spec, Optional<VmInfo> vm) {
    PodStatus status = new PodStatus(pod, state, spec, Instant.EPOCH, vm, List.of(), "");
    pods.put(pod, status);
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
  public PodStatus create(PodSpec spec) {
    if (pods.containsKey(spec.name())) {
      throw new InvalidStateException(spec.name(), pods.get(spec.name()).state(), "already exists");
    }
    return put(spec.name(), PodState.CREATED, spec, Optional.empty());
  }

  @Override
  public PodStatus start(String pod) {
    PodStatus status = existing(pod);
    if (status.state() == PodState.RUNNING) {
      throw new InvalidStateException(pod, PodState.RUNNING, "is already running");
    }
    return put(pod, PodState.RUNNING, status.spec(), Optional.of(
        new VmInfo(UUID.randomUUID().toString(), 0, "memory", Instant.EPOCH, Duration.ZERO)));
  }

  @Override
  public PodStatus replace(String pod, PodSpec spec) {
    PodStatus status = existing(pod);
    if (status.state() != PodState.RUNNING) {
      throw new InvalidStateException(pod, status.state(), "is not running");
    }
    if (!status.spec().vm().equals(spec.vm())) {
      throw new RecreateRequiredException(pod, "the VM's resources change");
    }
    return put(pod, PodState.RUNNING, spec, status.vm());
  }

  @Override
  public PodStatus stop(String pod, Duration grace) {
    return put(pod, PodState.CREATED, existing(pod).spec(), Optional.empty());
  }

  @Override
  public void remove(String pod, Duration grace) {
    existing(pod);
    pods.remove(pod);
  }

  @Override
  public Optional<PodStatus> inspect(String pod) {
    return Optional.ofNullable(pods.get(pod));
  }

  @Override
  public List<PodStatus> list() {
    return List.copyOf(pods.values());
  }

  @Override
  public Stream<LogRecord> logs(String pod, LogQuery query) {
    return Stream.empty();
  }

  @Override
  public ExecSession exec(String pod, ExecSpec spec) {
    throw new UnsupportedOperationException("exec");
  }

  @Override
  public void close() {
    // an engine per pass closes its provider; the pods stay, as a real provider's do
  }
}
