package dev.peapod.provider;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A pod's actual state.
 *
 * @param name the pod
 * @param state lifecycle state
 * @param spec the spec it was created with or last replaced by
 * @param createdAt when {@link Provider#create} ran
 * @param vm the running (or last) VM, empty for a pod that never booted or was stopped
 * @param containers per container, in spec order; empty when no VM runs
 * @param message why the pod is in this state, when that is not obvious (e.g. how the VM ended)
 */
public record PodStatus(
    String name,
    PodState state,
    PodSpec spec,
    Instant createdAt,
    Optional<VmInfo> vm,
    List<ContainerStatus> containers,
    String message) {

  public PodStatus {
    vm = vm == null ? Optional.empty() : vm;
    containers = List.copyOf(containers == null ? List.of() : containers);
    message = message == null ? "" : message;
  }

  /** The container of that name, if the pod has one. */
  public Optional<ContainerStatus> container(String containerName) {
    return containers.stream().filter(c -> c.name().equals(containerName)).findFirst();
  }
}
