package dev.peapod.kubernetes;

import dev.peapod.kubernetes.crd.PeaPod;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What the agent knows of PeaPod objects: their API coordinates, the finalizer and node label it
 * uses, and the names a PeaPod has on a node.
 *
 * <p><b>Names on the node.</b> Pod names are unique per host, PeaPod names per namespace, so the
 * pod of PeaPod {@code web} in namespace {@code prod} is {@code prod--web}: namespace, two dashes,
 * name. That is a DNS label when both are and together they have at most 63 characters; a PeaPod
 * whose name cannot be mapped (a dot in it, too long) is reported in its status, not run. Two
 * PeaPods that map to the same name ({@code a--b/c} and {@code a/b--c}) cannot both have the pod:
 * the second is a conflict (the pod's record names its owner, {@code k8s:NAMESPACE/NAME}), never
 * a take-over.
 */
public final class PeaPods {
  private PeaPods() {}

  public static final String API_VERSION = PeaPod.GROUP + "/" + PeaPod.VERSION;
  public static final String KIND = "PeaPod";

  /** Held while the PeaPod may have a VM: deleting it stops and removes the VM first. */
  public static final String FINALIZER = "peapod.dev/vm";

  /** Names the node whose agent runs the PeaPod; an agent sees only PeaPods that carry its node's name. */
  public static final String NODE_LABEL = "peapod.dev/node";

  /** Explicit, so that no API discovery is needed (the test server serves none for CRDs). */
  public static final ResourceDefinitionContext CONTEXT = new ResourceDefinitionContext.Builder()
      .withGroup(PeaPod.GROUP).withVersion(PeaPod.VERSION).withKind(KIND).withPlural("peapods").withNamespaced(true)
      .build();

  private static final Pattern DNS1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

  /** The owner written into the records of the PeaPod's pod. */
  public static String owner(String namespace, String name) {
    return "k8s:" + namespace + "/" + name;
  }

  public static String owner(GenericKubernetesResource peaPod) {
    return owner(peaPod.getMetadata().getNamespace(), peaPod.getMetadata().getName());
  }

  /** {@code NAMESPACE/NAME}, as informers key objects. */
  public static String key(GenericKubernetesResource peaPod) {
    return peaPod.getMetadata().getNamespace() + "/" + peaPod.getMetadata().getName();
  }

  /** {@code NAMESPACE--NAME}. */
  public static String podName(String namespace, String name) {
    return namespace + "--" + name;
  }

  /** Why the PeaPod's pod name is not a valid pod name, if it is not. */
  public static Optional<String> podNameProblem(String namespace, String name) {
    String pod = podName(namespace, name);
    if (pod.length() <= 63 && DNS1123_LABEL.matcher(pod).matches()) {
      return Optional.empty();
    }
    return Optional.of("its pod on the node would be named \"" + pod + "\" (namespace--name), which is not a"
        + " DNS-1123 label (at most 63 lowercase letters, digits and '-'); give the PeaPod a shorter name without dots");
  }

  public static boolean deleting(GenericKubernetesResource peaPod) {
    return peaPod.getMetadata().getDeletionTimestamp() != null;
  }

  public static boolean hasFinalizer(GenericKubernetesResource peaPod) {
    return peaPod.getMetadata().getFinalizers() != null && peaPod.getMetadata().getFinalizers().contains(FINALIZER);
  }

  public static long generation(GenericKubernetesResource peaPod) {
    Long generation = peaPod.getMetadata().getGeneration();
    return generation == null ? 0 : generation;
  }
}
