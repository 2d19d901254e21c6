package dev.peapod.manifest.decode;

/**
 * Why a resource name other than {@code cpu} and {@code memory} cannot be given to a pod: each kind
 * of Kubernetes resource with the reason it does not exist for a VM on this host.
 */
final class ResourceNames {
  private ResourceNames() {}

  static String whyUnsupported(String name) {
    String why;
    if (name.startsWith("hugepages-")) {
      why = "huge pages are not given to guests; the VM's memory is ordinary host memory";
    } else if (name.equals("ephemeral-storage")) {
      why = "a container's writable layer lives in the VM's memory: size it with memory";
    } else if (name.equals("pids")) {
      why = "a PID limit is a pod-level limit: spec.resources.limits.pids";
    } else if (name.contains("/")) {
      why = "extended resources are advertised by a cluster's device plugins, and a VM on this"
          + " host has none to give";
    } else {
      why = "unknown resource";
    }
    return "resource \"" + name + "\" not supported by Peapod (" + why + "; cpu and memory are)";
  }
}
