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
 *   <li>{@code spec.vm.*} (vcpus, memory, kernel, accel; also when sized from {@code
 *       resources.limits}): a new VM ({@link Impact#VM}). QEMU fixes them at launch.
 *   <li>a {@code hostPath} volume added, removed or changed: a new VM, because each host
 *       directory is its own device, fixed at launch.
 *   <li>a container port with a {@code hostPort} on either side: a new VM, because host port
 *       forwards are set up at launch.
 *   <li>everything else under {@code spec} (images, command, args, env, working dir, user,
 *       mounts, emptyDir volumes, hostname, DNS, host aliases, restart policy, grace period):
 *       new containers in the same VM ({@link Impact#CONTAINERS}).
 * </ul>
 */
final class FieldRules {
  private FieldRules() {}

  static Impact impactOf(String path, Object before, Object after) {
    if (path.startsWith("metadata.")) {
      return Impact.RECORD;
    }
    if (path.startsWith("spec.vm")) {
      return Impact.VM;
    }
    if (path.startsWith("spec.volumes[") && (mentions(before, "hostPath") || mentions(after, "hostPath"))) {
      return Impact.VM;
    }
    if (path.matches("spec\\.(init)?[cC]ontainers\\[[^]]+]\\.ports\\[[^]]+].*")
        && (hasHostPort(before) || hasHostPort(after) || path.endsWith(".hostPort"))) {
      return Impact.VM;
    }
    if (path.matches("spec\\.(init)?[cC]ontainers\\[[^]]+]\\.ports")
        || path.matches("spec\\.(init)?[cC]ontainers(\\[[^]]+])?")) {
      // A whole container or port list appears or goes: its host ports decide.
      return hostPortsIn(before) || hostPortsIn(after) ? Impact.VM : Impact.CONTAINERS;
    }
    return Impact.CONTAINERS;
  }

  private static boolean mentions(Object value, String key) {
    return value instanceof Map<?, ?> map && map.containsKey(key);
  }

  private static boolean hasHostPort(Object value) {
    return value instanceof Map<?, ?> map && map.get("hostPort") instanceof Number n && n.longValue() != 0;
  }

  /** Whether a container, a container map or a port map anywhere below declares a host port. */
  private static boolean hostPortsIn(Object value) {
    if (value instanceof Map<?, ?> map) {
      if (hasHostPort(map)) {
        return true;
      }
      for (Object child : map.values()) {
        if (hostPortsIn(child)) {
          return true;
        }
      }
    }
    return false;
  }
}
