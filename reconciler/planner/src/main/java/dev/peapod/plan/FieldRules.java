package dev.peapod.plan;

import dev.peapod.plan.FieldChange.Impact;
import java.util.Map;

/**
 * Which field changes need which action; the one place that decides between replacing containers
 * in the running VM and a new VM. The rules, by path:
 *
 * <ul>
 *   <li>{@code metadata.labels}, {@code metadata.annotations}: the record only ({@link
 *       Impact#RECORD}); nothing restarts.
 *   <li>{@code spec.configInputs.hostFile/URI} (a host file a volume of files names) changed: new
 *       containers, which read it when they start (a HyperContainer file is mounted by subPath);
 *       appearing or going, the record only: its volume changes with it, or the record is from
 *       before host files were hashed.
 *   <li>{@code spec.fileInputs} (what only volumes of files show: a ConfigMap no variable uses,
 *       labels and annotations a downwardAPI file shows): new files in the running VM ({@link
 *       Impact#FILES}), written in place as the kubelet does; nothing restarts.
 *   <li>{@code metadata.namespace}: a new VM, as Kubernetes makes a new pod; the claims (host
 *       directories per namespace) and ConfigMaps it reads are others.
 *   <li>{@code spec.vm.*} (vcpus, memory, kernel, accel; also when sized from {@code
 *       resources.limits}): a new VM ({@link Impact#VM}). QEMU fixes them at launch.
 *   <li>a {@code hostPath} or {@code persistentVolumeClaim} volume added, removed or changed: a
 *       new VM, because each host directory (a claim is one) is its own device, fixed at launch.
 *   <li>everything else under {@code spec} (images, command, args, env, working dir, user,
 *       mounts, ports including host port forwards, emptyDir volumes, hostname, DNS, host aliases,
 *       restart policy, grace period, init containers, pod and container {@code securityContext}):
 *       new containers in the same VM ({@link
 *       Impact#CONTAINERS}). New images reach a running VM through its image share and host
 *       port forwards are changed over QMP, so neither needs a new VM. A securityContext is applied
 *       by guest-init each time it starts a container (capabilities, seccomp, no_new_privs, user,
 *       groups, read-only root) or a pod (fsGroup, sysctls, which it puts back when the pod goes), so
 *       nothing of it is fixed at the VM's launch.
 * </ul>
 */
final class FieldRules {
  private FieldRules() {}

  static Impact impactOf(String path, Object before, Object after) {
    if (path.equals("metadata.namespace")) {
      // Kubernetes never moves a pod to another namespace; here the claims it mounts (host
      // directories per namespace, fixed at launch) change with it.
      return Impact.VM;
    }
    if (path.startsWith("metadata.") || path.startsWith("spec.imagePullSecrets")) {
      return Impact.RECORD; // pull secrets matter to the next pull only, as in Kubernetes
    }
    if (path.startsWith("spec.fileInputs")) {
      return Impact.FILES;
    }
    if ((path.startsWith("spec.configInputs.hostFile/") || path.equals("spec.configInputs") && hostFilesOnly(before)
        && hostFilesOnly(after)) && (before == null || after == null)) {
      // A host file named or no longer named changes a volume too, which says what to do; alone, it
      // is a record from before host files were hashed learning the hash: nothing restarts for it.
      return Impact.RECORD;
    }
    if (path.startsWith("spec.vm")) {
      return Impact.VM;
    }
    for (String shared : new String[] {"hostPath", "persistentVolumeClaim"}) {
      if (path.startsWith("spec.volumes[")
          && (path.contains("]." + shared) || mentions(before, shared) || mentions(after, shared))) {
        return Impact.VM;
      }
    }
    return Impact.CONTAINERS;
  }

  /** Absent, or inputs that are all host files' hashes. */
  private static boolean hostFilesOnly(Object inputs) {
    return inputs == null || inputs instanceof Map<?, ?> map
        && map.keySet().stream().allMatch(k -> String.valueOf(k).startsWith("hostFile/"));
  }

  private static boolean mentions(Object value, String key) {
    return value instanceof Map<?, ?> map && map.containsKey(key);
  }
}
