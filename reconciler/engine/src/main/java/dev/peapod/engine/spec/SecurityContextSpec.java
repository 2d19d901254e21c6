package dev.peapod.engine.spec;

import dev.peapod.manifest.model.PodSecurityDecl;
import dev.peapod.manifest.model.SecurityDecl;
import dev.peapod.provider.ContainerSecurity;
import dev.peapod.provider.LinuxCapabilities;
import dev.peapod.provider.PodSecurity;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Kubernetes' {@code securityContext} as the provider's {@link ContainerSecurity} and {@link
 * PodSecurity}: capabilities resolved against the runtimes' default set as containerd does, the
 * pod's groups and fsGroup given to every container, and Peapod's rule for no_new_privs.
 *
 * <p>no_new_privs: {@code allowPrivilegeEscalation: false} sets it and {@code true} clears it, as in
 * Kubernetes. Unset, Kubernetes leaves it off; Peapod sets it (runc's confinement "unless asked" is
 * its default), except for a container that adds {@code SYS_ADMIN}, which Kubernetes says always
 * allows escalation. So a pod that meets the "restricted" Pod Security Standard (which writes
 * {@code false}) runs exactly as in Kubernetes, and one that relies on setuid binaries as non-root
 * says {@code allowPrivilegeEscalation: true}.
 */
final class SecurityContextSpec {
  private SecurityContextSpec() {}

  static ContainerSecurity container(SecurityDecl s, PodSecurityDecl pod) {
    Set<String> caps = LinuxCapabilities.resolve(s.capabilitiesAdd(), s.capabilitiesDrop());
    boolean sysAdminAdded = s.capabilitiesAdd().stream().anyMatch(
        c -> !LinuxCapabilities.isAll(c) && LinuxCapabilities.canonical(c).filter("SYS_ADMIN"::equals).isPresent());
    boolean noNewPrivileges = s.allowPrivilegeEscalation().map(allow -> !allow).orElse(!sysAdminAdded);
    List<Long> groups = new ArrayList<>(pod.supplementalGroups());
    pod.fsGroup().ifPresent(groups::add);
    ContainerSecurity.Seccomp seccomp = s.seccomp() == SecurityDecl.SeccompType.UNCONFINED
        ? ContainerSecurity.Seccomp.UNCONFINED : ContainerSecurity.Seccomp.RUNTIME_DEFAULT;
    return new ContainerSecurity(caps, noNewPrivileges, seccomp, s.readOnlyRootFilesystem(), s.runAsNonRoot(),
        groups, pod.strictGroups());
  }

  static PodSecurity pod(PodSecurityDecl pod) {
    return new PodSecurity(pod.fsGroup(), pod.sysctls());
  }
}
