package dev.peapod.manifest.model;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A container's Kubernetes {@code securityContext} as it takes effect: container settings over the
 * pod's, field by field, as in Kubernetes. The user and group are {@link ContainerDecl#runAs()};
 * the pod-wide groups and sysctls are {@link PodSecurityDecl}. Fields accepted without an effect
 * inside a VM ({@code appArmorProfile}, {@code procMount: Default}, {@code privileged: false}) are
 * not kept.
 *
 * @param runAsNonRoot the container must not run as uid 0 (checked when it starts)
 * @param allowPrivilegeEscalation as written, empty when not: Peapod then sets no_new_privs
 *     (unless {@code SYS_ADMIN} is added, which Kubernetes says always allows escalation)
 * @param capabilitiesAdd {@code capabilities.add} in the spelling written ({@code NET_ADMIN},
 *     {@code CAP_NET_ADMIN}, {@code ALL})
 * @param capabilitiesDrop {@code capabilities.drop}, likewise
 * @param readOnlyRootFilesystem the root filesystem is mounted read-only
 * @param seccomp the seccomp profile; {@code RuntimeDefault} unless written
 * @param localhostProfile with {@code Localhost}: the profile's path relative to the host's profiles
 *     directory, as written ({@code localhostProfile}); empty otherwise
 */
public record SecurityDecl(
    boolean runAsNonRoot,
    Optional<Boolean> allowPrivilegeEscalation,
    List<String> capabilitiesAdd,
    List<String> capabilitiesDrop,
    boolean readOnlyRootFilesystem,
    SeccompType seccomp,
    String localhostProfile) {

  /** Nothing written: the runtimes' defaults. */
  public static final SecurityDecl DEFAULT =
      new SecurityDecl(false, Optional.empty(), List.of(), List.of(), false, SeccompType.RUNTIME_DEFAULT);

  /** Without a Localhost profile. */
  public SecurityDecl(boolean runAsNonRoot, Optional<Boolean> allowPrivilegeEscalation, List<String> capabilitiesAdd,
      List<String> capabilitiesDrop, boolean readOnlyRootFilesystem, SeccompType seccomp) {
    this(runAsNonRoot, allowPrivilegeEscalation, capabilitiesAdd, capabilitiesDrop, readOnlyRootFilesystem, seccomp, "");
  }

  public SecurityDecl {
    allowPrivilegeEscalation = allowPrivilegeEscalation == null ? Optional.empty() : allowPrivilegeEscalation;
    capabilitiesAdd = List.copyOf(capabilitiesAdd == null ? List.of() : capabilitiesAdd);
    capabilitiesDrop = List.copyOf(capabilitiesDrop == null ? List.of() : capabilitiesDrop);
    Objects.requireNonNull(seccomp, "seccomp");
    localhostProfile = localhostProfile == null ? "" : localhostProfile;
    if (localhostProfile.isEmpty() != (seccomp != SeccompType.LOCALHOST)) {
      throw new IllegalArgumentException("a localhostProfile goes with seccomp type Localhost, and only with it");
    }
  }

  public boolean isDefault() {
    return equals(DEFAULT);
  }

  /** {@code seccompProfile.type} values. */
  public enum SeccompType implements ManifestNamed {
    RUNTIME_DEFAULT("RuntimeDefault"),
    UNCONFINED("Unconfined"),
    /** A profile file from the host's profiles directory ({@code localhostProfile}). */
    LOCALHOST("Localhost");

    private final String manifestName;

    SeccompType(String manifestName) {
      this.manifestName = manifestName;
    }

    @Override
    public String manifestName() {
      return manifestName;
    }
  }
}
