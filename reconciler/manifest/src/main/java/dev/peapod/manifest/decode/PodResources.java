package dev.peapod.manifest.decode;

import dev.peapod.manifest.model.ContainerDecl;
import dev.peapod.manifest.model.Quantity;
import dev.peapod.manifest.model.ResourceList;
import dev.peapod.manifest.model.Resources;
import dev.peapod.manifest.source.SourceNode;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * A pod's own {@code spec.resources} (Kubernetes' pod-level resources): the size of the whole
 * pod, which for Peapod is the VM's ({@link VmSizing}). As Kubernetes validates them, they must
 * hold what the containers ask for together; the containers then share them.
 */
final class PodResources {
  private PodResources() {}

  /**
   * The pod's resources as decoded.
   *
   * @param resources cpu and memory
   * @param pidsMax {@code limits.pids}, the most tasks all containers may have together; 0: none
   */
  record Decoded(Resources resources, long pidsMax) {
    static final Decoded NONE = new Decoded(Resources.NONE, 0);
  }

  static Decoded decode(MapReader spec, List<ContainerDecl> init, List<ContainerDecl> app) {
    long[] pids = {0};
    Optional<Resources> decoded = spec.object("resources", Shapes.RESOURCES)
        .map(r -> ResourcesDecoder.decode(r, max -> pids[0] = max));
    if (decoded.isEmpty()) {
      return Decoded.NONE;
    }
    Resources pod = decoded.get();
    SourceNode at = spec.peek("resources").orElseThrow();
    holds("cpu", pod, ResourceList::cpu, init, app, at, spec);
    holds("memory", pod, ResourceList::memory, init, app, at, spec);
    return new Decoded(pod, pids[0]);
  }

  private static void holds(String name, Resources pod,
      Function<ResourceList, Optional<Quantity>> resource, List<ContainerDecl> init,
      List<ContainerDecl> app, SourceNode at, MapReader spec) {
    Optional<Quantity> podAmount = resource.apply(pod.limits()).or(() -> resource.apply(pod.requests()));
    Optional<Quantity> containers = VmSizing.effective(init, app, resource);
    if (podAmount.isPresent() && containers.isPresent()
        && containers.get().compareTo(podAmount.get()) > 0) {
      spec.problems().error(at, spec.path("resources"), "the pod's " + name + " ("
          + podAmount.get() + ") is less than its containers ask for together ("
          + containers.get().toNormalizedString() + "); pod-level resources must hold them");
    }
  }
}
