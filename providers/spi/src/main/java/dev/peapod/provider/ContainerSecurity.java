package dev.peapod.provider;

import dev.peapod.provider.seccomp.SeccompProfile;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * How a container is confined inside its VM: Kubernetes' {@code securityContext}, pod- and
 * container-level already merged (the container's settings win), with the runtimes' defaults
 * where nothing was said ({@link #DEFAULT}). The user itself is {@link ContainerSpec#user()}.
 *
 * @param capabilities the capabilities root in the container has (the bounding set), names
 *     without {@code CAP_}; a non-root user has none of them after exec, as with runc
 * @param noNewPrivileges no_new_privs: setuid bits and file capabilities grant nothing; false only
 *     when the container allows privilege escalation
 * @param seccomp the system call filter
 * @param readOnlyRootFilesystem the container's root is mounted read-only (volumes, /dev, /proc and
 *     the /etc files the pod provides stay as they are)
 * @param runAsNonRoot a process that would run as uid 0 is refused (the container does not start)
 * @param groups supplementary groups added to the user's ({@code supplementalGroups}, then
 *     {@code fsGroup})
 * @param groupsStrict only {@code groups}, not those /etc/group gives the user
 *     ({@code supplementalGroupsPolicy: Strict})
 * @param localhostProfile with {@link Seccomp#LOCALHOST}: the profile the container runs under,
 *     resolved for its capabilities; null otherwise
 */
public record ContainerSecurity(
    Set<String> capabilities,
    boolean noNewPrivileges,
    Seccomp seccomp,
    boolean readOnlyRootFilesystem,
    boolean runAsNonRoot,
    List<Long> groups,
    boolean groupsStrict,
    SeccompProfile localhostProfile) {

  /** The runtimes' defaults, as guest-init applies them without a securityContext. */
  public static final ContainerSecurity DEFAULT = new ContainerSecurity(LinuxCapabilities.DEFAULT, true,
      Seccomp.RUNTIME_DEFAULT, false, false, List.of(), false);

  /** Without a Localhost profile. */
  public ContainerSecurity(Set<String> capabilities, boolean noNewPrivileges, Seccomp seccomp,
      boolean readOnlyRootFilesystem, boolean runAsNonRoot, List<Long> groups, boolean groupsStrict) {
    this(capabilities, noNewPrivileges, seccomp, readOnlyRootFilesystem, runAsNonRoot, groups, groupsStrict, null);
  }

  /** Which system call filter a container runs under. */
  public enum Seccomp {
    /** Docker's default profile (what Kubernetes' RuntimeDefault names). */
    RUNTIME_DEFAULT,
    /** No filter. */
    UNCONFINED,
    /** A profile file from the host ({@link ContainerSecurity#localhostProfile}). */
    LOCALHOST
  }

  public ContainerSecurity {
    capabilities = Set.copyOf(Objects.requireNonNull(capabilities, "capabilities").stream()
        .map(c -> LinuxCapabilities.canonical(c)
            .orElseThrow(() -> new IllegalArgumentException("unknown capability " + c)))
        .toList());
    Objects.requireNonNull(seccomp, "seccomp");
    groups = List.copyOf(groups == null ? List.of() : groups);
    if ((seccomp == Seccomp.LOCALHOST) != (localhostProfile != null)) {
      throw new IllegalArgumentException("a Localhost seccomp profile goes with seccomp LOCALHOST, and only with it");
    }
  }
}
