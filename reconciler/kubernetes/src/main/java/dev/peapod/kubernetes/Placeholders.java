package dev.peapod.kubernetes;

import dev.peapod.manifest.model.VmSettings;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The placeholder Pod of a PeaPod: what the Kubernetes scheduler places, and so what quotas, the
 * cluster autoscaler and {@code kubectl describe node} count, in place of the VM they cannot see.
 *
 * <p>It asks for what the VM takes on its node ({@code requests}: the guest's memory plus {@link
 * #VM_OVERHEAD_MIB}, and one CPU per vCPU) and carries the PeaPod's {@code nodeSelector},
 * {@code affinity} and {@code tolerations}, so the scheduler picks the node by the PeaPod's own
 * rules. The node it lands on runs the VM: that node's agent labels the PeaPod with it ({@link
 * PeaPods#NODE_LABEL}).
 *
 * <p>Its one container runs {@link #PAUSE_IMAGE}, the image the kubelet already runs as every
 * Pod's sandbox: it is on every node (no pull, no registry to reach), does nothing but wait for a
 * signal, and takes a few hundred KiB. A scheduling gate would not do: a gated Pod is never
 * scheduled, so the scheduler would never pick a node. A Pod that only reserves (nominated, never
 * bound) does not exist in Kubernetes; binding a running Pod is what makes the scheduler, quotas
 * and the autoscaler account for it.
 *
 * <p>The name is {@code peapod-NAME} in the PeaPod's namespace, so every agent computes the same
 * one (two agents creating it at once: one gets a 409 and moves on), and its ownerReference to
 * the PeaPod lets the garbage collector remove it with the PeaPod.
 */
final class Placeholders {
  private Placeholders() {}

  /** Marks placeholder Pods, so that agents watch only them: {@code peapod.dev/placeholder=true}. */
  static final String LABEL = "peapod.dev/placeholder";

  /**
   * The PeaPod a placeholder stands for (its name; the namespace is the placeholder's), so that
   * {@code kubectl get pods -l peapod.dev/peapod=web} finds it.
   */
  static final String PEAPOD_LABEL = "peapod.dev/peapod";

  /** The kubelet's default sandbox image (Kubernetes 1.27-1.30). */
  static final String PAUSE_IMAGE = "registry.k8s.io/pause:3.9";

  /**
   * What QEMU and passt take beside the guest's RAM (measured: ~52 MiB PSS per idle 64 MiB VM with
   * an 8 MiB TCG buffer, of which ~28 MiB guest; 16 MiB of translation cache and passt on top).
   */
  static final long VM_OVERHEAD_MIB = 48;

  static String name(String peaPodName) {
    return "peapod-" + peaPodName;
  }

  static String name(GenericKubernetesResource peaPod) {
    return name(peaPod.getMetadata().getName());
  }

  /** {@code NAMESPACE/peapod-NAME}, as the informer keys it. */
  static String key(GenericKubernetesResource peaPod) {
    return peaPod.getMetadata().getNamespace() + "/" + name(peaPod);
  }

  /** Whether {@code placeholder} was made for this very PeaPod (not an earlier one of the same name). */
  static boolean standsFor(Pod placeholder, GenericKubernetesResource peaPod) {
    return placeholder.getMetadata().getOwnerReferences() != null && placeholder.getMetadata().getOwnerReferences()
        .stream().anyMatch(o -> Objects.equals(o.getUid(), peaPod.getMetadata().getUid()));
  }

  /** The node the scheduler bound it to, if it did. */
  static Optional<String> node(Pod placeholder) {
    return Optional.ofNullable(placeholder.getSpec().getNodeName()).filter(n -> !n.isEmpty());
  }

  /**
   * The placeholder for {@code peaPod}, whose VM is {@code vm}.
   *
   * @param pinned a node to put it on without the scheduler: the PeaPod was bound by hand (its
   *     node label set by someone, not by an agent), as a Pod with {@code spec.nodeName} is
   */
  static Pod of(GenericKubernetesResource peaPod, VmSettings vm, Optional<String> pinned,
      KubernetesSerialization json) {
    Map<String, Object> spec = spec(peaPod);
    Map<String, Quantity> requests = requests(vm);
    return new PodBuilder()
        .withNewMetadata()
          .withName(name(peaPod))
          .withNamespace(peaPod.getMetadata().getNamespace())
          .addToLabels(LABEL, "true")
          .addToLabels(PEAPOD_LABEL, peaPod.getMetadata().getName())
          .addToLabels("app.kubernetes.io/managed-by", "peapod")
          .addNewOwnerReference()
            .withApiVersion(PeaPods.API_VERSION).withKind(PeaPods.KIND)
            .withName(peaPod.getMetadata().getName()).withUid(peaPod.getMetadata().getUid())
            .withBlockOwnerDeletion(false).withController(true)
          .endOwnerReference()
        .endMetadata()
        .withNewSpec()
          .withNodeName(pinned.orElse(null))
          .withNodeSelector(stringMap(spec.get("nodeSelector")))
          .withAffinity(spec.get("affinity") == null ? null : json.convertValue(spec.get("affinity"), Affinity.class))
          .withTolerations(tolerations(spec.get("tolerations"), json))
          .withAutomountServiceAccountToken(false)
          .withEnableServiceLinks(false)
          .withTerminationGracePeriodSeconds(0L)
          .withRestartPolicy("Always")
          .addNewContainer()
            .withName("vm")
            .withImage(PAUSE_IMAGE)
            .withImagePullPolicy("IfNotPresent")
            .withNewResources().withRequests(requests).endResources()
            .withNewSecurityContext()
              .withRunAsNonRoot(true).withRunAsUser(65535L).withAllowPrivilegeEscalation(false)
              .withReadOnlyRootFilesystem(true).withNewCapabilities().withDrop("ALL").endCapabilities()
            .endSecurityContext()
          .endContainer()
        .endSpec()
        .build();
  }

  /** What a VM takes on its node: one CPU per vCPU, its memory and {@link #VM_OVERHEAD_MIB}. */
  static Map<String, Quantity> requests(VmSettings vm) {
    return Map.of(
        "cpu", new Quantity(Integer.toString(vm.vcpus())),
        "memory", new Quantity((vm.memoryMiB() + VM_OVERHEAD_MIB) + "Mi"));
  }

  /** What a placeholder asks for (its one container's requests); empty if it asks for nothing. */
  static Map<String, Quantity> requests(Pod placeholder) {
    if (placeholder.getSpec() == null || placeholder.getSpec().getContainers() == null
        || placeholder.getSpec().getContainers().isEmpty()
        || placeholder.getSpec().getContainers().get(0).getResources() == null
        || placeholder.getSpec().getContainers().get(0).getResources().getRequests() == null) {
      return Map.of();
    }
    return placeholder.getSpec().getContainers().get(0).getResources().getRequests();
  }

  /**
   * The same amounts, however written: an API server may give {@code 1} back as {@code 1000m}
   * or {@code 176Mi} in another unit.
   */
  static boolean sameRequests(Map<String, Quantity> a, Map<String, Quantity> b) {
    if (!a.keySet().equals(b.keySet())) {
      return false;
    }
    return a.entrySet().stream().allMatch(e ->
        e.getValue().getNumericalAmount().compareTo(b.get(e.getKey()).getNumericalAmount()) == 0);
  }

  /** {@code cpu 2, memory 304Mi}, for Events. */
  static String describe(Map<String, Quantity> requests) {
    return "cpu " + (requests.containsKey("cpu") ? requests.get("cpu").toString() : "-") + ", memory "
        + (requests.containsKey("memory") ? requests.get("memory").toString() : "-");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> spec(GenericKubernetesResource peaPod) {
    Object spec = peaPod.getAdditionalProperties().get("spec");
    return spec instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  private static Map<String, String> stringMap(Object value) {
    if (!(value instanceof Map<?, ?> map) || map.isEmpty()) {
      return null;
    }
    Map<String, String> copy = new java.util.LinkedHashMap<>();
    map.forEach((k, v) -> copy.put(String.valueOf(k), String.valueOf(v)));
    return copy;
  }

  private static List<Toleration> tolerations(Object value, KubernetesSerialization json) {
    if (!(value instanceof List<?> list) || list.isEmpty()) {
      return null;
    }
    return list.stream().map(t -> json.convertValue(t, Toleration.class)).toList();
  }
}
