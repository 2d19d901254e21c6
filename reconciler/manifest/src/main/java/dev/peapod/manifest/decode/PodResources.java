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

  static Resources decode(MapReader spec, List<ContainerDecl> init, List<ContainerDecl> app) {
    Optional<Resources> decoded =
        spec.object("resources", Shapes.RESOURCES).map(ResourcesDecoder::decode);
    if (decoded.isEmpty()) {
      return Resources.NONE;
    }
    Resources pod = decoded.get();
    SourceNode at = spec.peek("resources").orElseThrow();
    holds("cpu", pod, ResourceList::cpu, init, app, at, spec);
    holds("memory", pod, ResourceList::memory, init, app, at, spec);
    return pod;
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
