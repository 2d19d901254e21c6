package dev.peapod.manifest.model;

import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * A pod's {@code spec}, with defaults resolved.
 *
 * @param initContainers run in order before the app containers; sidecars among them keep running
 * @param containers the app containers, at least one
 * @param volumes pod volumes
 * @param hostname the pod's hostname; the pod name unless written
 * @param dns resolver settings
 * @param hostAliases extra /etc/hosts entries
 * @param terminationGracePeriodSeconds time between SIGTERM and SIGKILL; 30 unless written
 * @param restartPolicy for the app containers; {@code Always} unless written
 * @param vm VM settings, written or sized from resources
 * @param state whether the pod should run; {@code Running} unless written
 * @param placement the cluster-only fields (nodeSelector, affinity, tolerations, ...), kept for
 *     the Kubernetes mode and compared by nothing
 * @param security the pod-wide securityContext settings (fsGroup, supplementalGroups, sysctls)
 * @param imagePullSecrets names of the Secrets ({@code kubernetes.io/dockerconfigjson} or {@code
 *     dockercfg}) whose registry credentials pull this pod's images, in the pod's namespace
 */
public record ManifestSpec(
    List<ContainerDecl> initContainers,
    List<ContainerDecl> containers,
    List<VolumeDecl> volumes,
    String hostname,
    DnsConfig dns,
    List<HostAlias> hostAliases,
    long terminationGracePeriodSeconds,
    RestartPolicy restartPolicy,
    VmSettings vm,
    DesiredState state,
    Placement placement,
    PodSecurityDecl security,
    List<String> imagePullSecrets) {

  public static final long DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;

  public ManifestSpec {
    initContainers = List.copyOf(initContainers);
    containers = List.copyOf(containers);
    volumes = List.copyOf(volumes);
    Objects.requireNonNull(hostname, "hostname");
    dns = dns == null ? DnsConfig.DEFAULT : dns;
    hostAliases = List.copyOf(hostAliases);
    Objects.requireNonNull(restartPolicy, "restartPolicy");
    Objects.requireNonNull(vm, "vm");
    Objects.requireNonNull(state, "state");
    placement = placement == null ? Placement.NONE : placement;
    security = security == null ? PodSecurityDecl.NONE : security;
    imagePullSecrets = List.copyOf(imagePullSecrets == null ? List.of() : imagePullSecrets);
  }

  /** A spec without image pull secrets. */
  public ManifestSpec(List<ContainerDecl> initContainers, List<ContainerDecl> containers, List<VolumeDecl> volumes,
      String hostname, DnsConfig dns, List<HostAlias> hostAliases, long terminationGracePeriodSeconds,
      RestartPolicy restartPolicy, VmSettings vm, DesiredState state, Placement placement,
      PodSecurityDecl security) {
    this(initContainers, containers, volumes, hostname, dns, hostAliases, terminationGracePeriodSeconds,
        restartPolicy, vm, state, placement, security, null);
  }

  /** A spec without pod-wide security settings. */
  public ManifestSpec(List<ContainerDecl> initContainers, List<ContainerDecl> containers, List<VolumeDecl> volumes,
      String hostname, DnsConfig dns, List<HostAlias> hostAliases, long terminationGracePeriodSeconds,
      RestartPolicy restartPolicy, VmSettings vm, DesiredState state, Placement placement) {
    this(initContainers, containers, volumes, hostname, dns, hostAliases, terminationGracePeriodSeconds,
        restartPolicy, vm, state, placement, null);
  }

  /** A spec without cluster-only fields. */
  public ManifestSpec(List<ContainerDecl> initContainers, List<ContainerDecl> containers, List<VolumeDecl> volumes,
      String hostname, DnsConfig dns, List<HostAlias> hostAliases, long terminationGracePeriodSeconds,
      RestartPolicy restartPolicy, VmSettings vm, DesiredState state) {
    this(initContainers, containers, volumes, hostname, dns, hostAliases, terminationGracePeriodSeconds,
        restartPolicy, vm, state, Placement.NONE, null);
  }

  /** This spec with the cluster-only fields as written. */
  public ManifestSpec withPlacement(Placement newPlacement) {
    return new ManifestSpec(initContainers, containers, volumes, hostname, dns, hostAliases,
        terminationGracePeriodSeconds, restartPolicy, vm, state, newPlacement, security, imagePullSecrets);
  }

  /** This spec with the pod-wide securityContext settings as written. */
  public ManifestSpec withSecurity(PodSecurityDecl newSecurity) {
    return new ManifestSpec(initContainers, containers, volumes, hostname, dns, hostAliases,
        terminationGracePeriodSeconds, restartPolicy, vm, state, placement, newSecurity, imagePullSecrets);
  }

  /** This spec with other volumes (a claim's document bound to the volumes that name it). */
  public ManifestSpec withVolumes(List<VolumeDecl> newVolumes) {
    return new ManifestSpec(initContainers, containers, newVolumes, hostname, dns, hostAliases,
        terminationGracePeriodSeconds, restartPolicy, vm, state, placement, security, imagePullSecrets);
  }

  /** This spec with the image pull secrets as written. */
  public ManifestSpec withImagePullSecrets(List<String> names) {
    return new ManifestSpec(initContainers, containers, volumes, hostname, dns, hostAliases,
        terminationGracePeriodSeconds, restartPolicy, vm, state, placement, security, names);
  }

  /** Init containers then app containers, in start order. */
  public Stream<ContainerDecl> allContainers() {
    return Stream.concat(initContainers.stream(), containers.stream());
  }
}
