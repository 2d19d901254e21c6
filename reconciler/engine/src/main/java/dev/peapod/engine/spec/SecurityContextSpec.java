package dev.peapod.engine.spec;

import dev.peapod.manifest.model.PodSecurityDecl;
import dev.peapod.manifest.model.SecurityDecl;
import dev.peapod.provider.ContainerSecurity;
import dev.peapod.provider.LinuxCapabilities;
import dev.peapod.provider.PodSecurity;
import dev.peapod.provider.seccomp.SeccompProfile;
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

  /** The capabilities root in the container holds (names without {@code CAP_}). */
  static Set<String> capabilities(SecurityDecl s) {
    return LinuxCapabilities.resolve(s.capabilitiesAdd(), s.capabilitiesDrop());
  }

  /**
   * @param localhostProfile with seccomp type Localhost, the profile loaded for this container
   *     ({@link LocalhostSeccompProfiles}); else null
   */
  static ContainerSecurity container(SecurityDecl s, PodSecurityDecl pod, SeccompProfile localhostProfile) {
    Set<String> caps = capabilities(s);
    boolean sysAdminAdded = s.capabilitiesAdd().stream().anyMatch(
        c -> !LinuxCapabilities.isAll(c) && LinuxCapabilities.canonical(c).filter("SYS_ADMIN"::equals).isPresent());
    boolean noNewPrivileges = s.allowPrivilegeEscalation().map(allow -> !allow).orElse(!sysAdminAdded);
    List<Long> groups = new ArrayList<>(pod.supplementalGroups());
    pod.fsGroup().ifPresent(groups::add);
    ContainerSecurity.Seccomp seccomp = switch (s.seccomp()) {
      case UNCONFINED -> ContainerSecurity.Seccomp.UNCONFINED;
      case LOCALHOST -> ContainerSecurity.Seccomp.LOCALHOST;
      default -> ContainerSecurity.Seccomp.RUNTIME_DEFAULT;
    };
    return new ContainerSecurity(caps, noNewPrivileges, seccomp, s.readOnlyRootFilesystem(), s.runAsNonRoot(),
        groups, pod.strictGroups(), seccomp == ContainerSecurity.Seccomp.LOCALHOST ? localhostProfile : null);
  }

  static PodSecurity pod(PodSecurityDecl pod) {
    return new PodSecurity(pod.fsGroup(), pod.sysctls());
  }
}
