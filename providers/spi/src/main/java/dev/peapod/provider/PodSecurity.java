package dev.peapod.provider;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The pod-wide part of Kubernetes' {@code securityContext} that the VM applies once per pod.
 *
 * @param fsGroup the group that owns the pod's emptyDir volumes (setgid, group-writable); empty
 *     for none. Every container also gets it as a supplementary group ({@link
 *     ContainerSecurity#groups()}).
 * @param sysctls kernel settings of the pod's namespaces, by dotted name ({@code
 *     net.ipv4.ip_local_port_range}), in order; the guest puts the old values back when the pod
 *     goes
 */
public record PodSecurity(OptionalLong fsGroup, Map<String, String> sysctls) {
  public static final PodSecurity NONE = new PodSecurity(OptionalLong.empty(), Map.of());

  public PodSecurity {
    fsGroup = fsGroup == null ? OptionalLong.empty() : fsGroup;
    sysctls = Collections.unmodifiableMap(new LinkedHashMap<>(sysctls == null ? Map.of() : sysctls));
  }
}
