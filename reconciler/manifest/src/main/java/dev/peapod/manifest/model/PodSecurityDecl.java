package dev.peapod.manifest.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The pod-wide part of a pod's {@code securityContext}: what applies to the pod's volumes, kernel
 * settings and every container's groups. (runAsUser, runAsGroup, runAsNonRoot and seccompProfile
 * are merged into each container's {@link SecurityDecl} and {@link RunAs}.)
 *
 * @param fsGroup owner group of the pod's emptyDir volumes, and a supplementary group of every
 *     container
 * @param fsGroupChangePolicy {@code OnRootMismatch} or {@code Always} as written, empty if not;
 *     the same for Peapod's volumes, which are new with every start
 * @param supplementalGroups more groups for every container's processes
 * @param strictGroups {@code supplementalGroupsPolicy: Strict}: the image's /etc/group is not read
 * @param sysctls namespaced kernel settings by name as written, in order
 */
public record PodSecurityDecl(
    OptionalLong fsGroup,
    String fsGroupChangePolicy,
    List<Long> supplementalGroups,
    boolean strictGroups,
    Map<String, String> sysctls) {

  public static final PodSecurityDecl NONE = new PodSecurityDecl(OptionalLong.empty(), "", List.of(), false, Map.of());

  public PodSecurityDecl {
    fsGroup = fsGroup == null ? OptionalLong.empty() : fsGroup;
    fsGroupChangePolicy = fsGroupChangePolicy == null ? "" : fsGroupChangePolicy;
    supplementalGroups = List.copyOf(supplementalGroups == null ? List.of() : supplementalGroups);
    sysctls = Collections.unmodifiableMap(new LinkedHashMap<>(sysctls == null ? Map.of() : sysctls));
  }

  public boolean isNone() {
    return equals(NONE);
  }
}
