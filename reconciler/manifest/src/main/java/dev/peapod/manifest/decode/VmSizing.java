package dev.peapod.manifest.decode;

import dev.peapod.manifest.model.ContainerDecl;
import dev.peapod.manifest.model.Quantity;
import dev.peapod.manifest.model.ResourceList;
import dev.peapod.manifest.model.Resources;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Sizes a VM from its containers when {@code spec.vm} leaves vcpus or memory out.
 *
 * <p>The rule:
 *
 * <ol>
 *   <li>Pod-level {@code spec.resources} (Kubernetes 1.32+) size the whole pod: its limit, or its
 *       request when it has no limit, takes precedence over the containers' amounts, as the
 *       kubelet sizes the pod's cgroup from it. The rest applies per resource it leaves out.
 *   <li>Each container asks for its limit, or its request when it has no limit, or nothing.
 *   <li>The pod needs what Kubernetes calls the effective request: the larger of (a) the app
 *       containers plus all sidecars, which run together, and (b) the peak while init
 *       containers run, one at a time, beside the sidecars started before them.
 *   <li>{@code vcpus} = that CPU rounded up to a whole number, at least 1; 1 when no container
 *       gives a CPU amount.
 *   <li>{@code memory} = that memory rounded up to whole MiB, plus {@link #GUEST_OVERHEAD_MIB}
 *       for the guest kernel, init and page cache, at least {@link #MIN_SIZED_MEMORY_MIB}; {@link
 *       #DEFAULT_MEMORY_MIB} when no container gives a memory amount.
 * </ol>
 */
public final class VmSizing {
  private VmSizing() {}

  public static final int DEFAULT_VCPUS = 1;
  /** The provider's default guest size, for pods that say nothing about memory. */
  public static final long DEFAULT_MEMORY_MIB = 128;
  /** Guest kernel + init touch about 28 MiB when idle (measured); rounded up. */
  public static final long GUEST_OVERHEAD_MIB = 32;
  public static final long MIN_SIZED_MEMORY_MIB = 64;

  public static int vcpus(List<ContainerDecl> init, List<ContainerDecl> app) {
    return vcpus(init, app, Resources.NONE);
  }

  public static Quantity memory(List<ContainerDecl> init, List<ContainerDecl> app) {
    return memory(init, app, Resources.NONE);
  }

  /** The vCPUs of a pod whose pod-level resources are {@code pod}. */
  public static int vcpus(List<ContainerDecl> init, List<ContainerDecl> app, Resources pod) {
    return limitOrRequest(pod, ResourceList::cpu).or(() -> effective(init, app, ResourceList::cpu))
        .map(cpu -> (int) Math.max(1, cpu.toWholeCeil()))
        .orElse(DEFAULT_VCPUS);
  }

  /** The guest memory of a pod whose pod-level resources are {@code pod}. */
  public static Quantity memory(List<ContainerDecl> init, List<ContainerDecl> app, Resources pod) {
    return limitOrRequest(pod, ResourceList::memory).or(() -> effective(init, app, ResourceList::memory))
        .map(m -> Math.max(MIN_SIZED_MEMORY_MIB, m.toMebibytesCeil() + GUEST_OVERHEAD_MIB))
        .map(Quantity::ofMebibytes)
        .orElse(Quantity.ofMebibytes(DEFAULT_MEMORY_MIB));
  }

  /** The effective amount of one resource, or empty when no container names one. */
  static Optional<Quantity> effective(
      List<ContainerDecl> init, List<ContainerDecl> app,
      Function<ResourceList, Optional<Quantity>> resource) {
    boolean anySet = false;
    Quantity sidecars = Quantity.ZERO;
    Quantity initPeak = Quantity.ZERO;
    for (ContainerDecl container : init) {
      Optional<Quantity> amount = amount(container, resource);
      anySet |= amount.isPresent();
      Quantity value = amount.orElse(Quantity.ZERO);
      if (container.sidecar()) {
        sidecars = sidecars.plus(value);
        initPeak = max(initPeak, sidecars);
      } else {
        initPeak = max(initPeak, sidecars.plus(value));
      }
    }
    Quantity running = sidecars;
    for (ContainerDecl container : app) {
      Optional<Quantity> amount = amount(container, resource);
      anySet |= amount.isPresent();
      running = running.plus(amount.orElse(Quantity.ZERO));
    }
    return anySet ? Optional.of(max(initPeak, running)) : Optional.empty();
  }

  private static Optional<Quantity> amount(
      ContainerDecl container, Function<ResourceList, Optional<Quantity>> resource) {
    return limitOrRequest(container.resources(), resource);
  }

  /** A limit, or the request when there is no limit. */
  private static Optional<Quantity> limitOrRequest(
      Resources resources, Function<ResourceList, Optional<Quantity>> resource) {
    return resource.apply(resources.limits()).or(() -> resource.apply(resources.requests()));
  }

  private static Quantity max(Quantity a, Quantity b) {
    return a.compareTo(b) >= 0 ? a : b;
  }
}
