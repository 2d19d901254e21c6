package dev.peapod.provider;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * What a provider needs to run one pod, with every default already resolved:
 * images are local root filesystem files, commands are final argv lists.
 * Manifest parsing and image defaults live above the provider.
 *
 * @param name DNS-1123 label, unique per provider
 * @param hostname the pod's hostname, shared by its containers
 * @param dns resolver settings written to each container's /etc/resolv.conf
 * @param extraHosts extra /etc/hosts lines, each "ip name [alias...]"
 * @param vm settings that only a new VM can change
 * @param containers started in list order
 * @param volumes pod-level volumes that containers mount
 * @param ports host ports forwarded into the pod
 * @param terminationGracePeriod how long processes get between SIGTERM and SIGKILL
 * @param initContainers run before {@code containers}, one after another, Kubernetes-style: each
 *     must exit 0 before the next starts. The restart policy of an init container says what a
 *     failure does: {@code NEVER} fails the start at once, {@code ON_FAILURE} retries it a bounded
 *     number of times with backoff first, and {@code ALWAYS} makes it a sidecar, which is started
 *     in its place in the order and keeps running (the next one starts once it runs). A
 *     {@link Provider#replace} runs the new spec's init containers again before its app containers.
 * @param security the pod-wide securityContext settings the VM applies once (fsGroup's volume
 *     ownership, sysctls); {@link PodSecurity#NONE} when null
 */
public record PodSpec(
    String name,
    String hostname,
    DnsSettings dns,
    List<String> extraHosts,
    VmResources vm,
    List<ContainerSpec> containers,
    List<VolumeSpec> volumes,
    List<PortForward> ports,
    Duration terminationGracePeriod,
    List<ContainerSpec> initContainers,
    PodSecurity security) {

  public PodSpec {
    Objects.requireNonNull(name, "name");
    hostname = hostname == null || hostname.isEmpty() ? name : hostname;
    dns = dns == null ? DnsSettings.DEFAULT : dns;
    extraHosts = List.copyOf(extraHosts == null ? List.of() : extraHosts);
    vm = vm == null ? VmResources.DEFAULT : vm;
    containers = List.copyOf(containers);
    volumes = List.copyOf(volumes == null ? List.of() : volumes);
    ports = List.copyOf(ports == null ? List.of() : ports);
    terminationGracePeriod =
        terminationGracePeriod == null ? Duration.ofSeconds(30) : terminationGracePeriod;
    initContainers = List.copyOf(initContainers == null ? List.of() : initContainers);
    security = security == null ? PodSecurity.NONE : security;
  }

  /** A pod without pod-wide security settings. */
  public PodSpec(String name, String hostname, DnsSettings dns, List<String> extraHosts, VmResources vm,
      List<ContainerSpec> containers, List<VolumeSpec> volumes, List<PortForward> ports,
      Duration terminationGracePeriod, List<ContainerSpec> initContainers) {
    this(name, hostname, dns, extraHosts, vm, containers, volumes, ports, terminationGracePeriod, initContainers,
        null);
  }

  /** A pod without init containers. */
  public PodSpec(String name, String hostname, DnsSettings dns, List<String> extraHosts, VmResources vm,
      List<ContainerSpec> containers, List<VolumeSpec> volumes, List<PortForward> ports,
      Duration terminationGracePeriod) {
    this(name, hostname, dns, extraHosts, vm, containers, volumes, ports, terminationGracePeriod, null);
  }

  /** Init containers then app containers, in start order: every container the pod's VM runs. */
  public List<ContainerSpec> allContainers() {
    return Stream.concat(initContainers.stream(), containers.stream()).toList();
  }

  /** Whether {@code container} names an init container (sidecars included) or an app container of this pod. */
  public boolean hasContainer(String container) {
    return allContainers().stream().anyMatch(c -> c.name().equals(container));
  }

  /** A pod with defaults for everything but its name and containers. */
  public static PodSpec of(String name, List<ContainerSpec> containers) {
    return new PodSpec(name, null, null, null, null, containers, null, null, null);
  }

  public PodSpec withContainers(List<ContainerSpec> newContainers) {
    return new PodSpec(name, hostname, dns, extraHosts, vm, newContainers, volumes, ports,
        terminationGracePeriod, initContainers, security);
  }

  public PodSpec withVolumes(List<VolumeSpec> newVolumes) {
    return new PodSpec(name, hostname, dns, extraHosts, vm, containers, newVolumes, ports,
        terminationGracePeriod, initContainers, security);
  }

  public PodSpec withPorts(List<PortForward> newPorts) {
    return new PodSpec(name, hostname, dns, extraHosts, vm, containers, volumes, newPorts,
        terminationGracePeriod, initContainers, security);
  }

  public PodSpec withVm(VmResources newVm) {
    return new PodSpec(name, hostname, dns, extraHosts, newVm, containers, volumes, ports,
        terminationGracePeriod, initContainers, security);
  }

  public PodSpec withHostname(String newHostname) {
    return new PodSpec(name, newHostname, dns, extraHosts, vm, containers, volumes, ports,
        terminationGracePeriod, initContainers, security);
  }

  public PodSpec withInitContainers(List<ContainerSpec> newInitContainers) {
    return new PodSpec(name, hostname, dns, extraHosts, vm, containers, volumes, ports, terminationGracePeriod,
        newInitContainers, security);
  }

  public PodSpec withTerminationGracePeriod(Duration grace) {
    return new PodSpec(name, hostname, dns, extraHosts, vm, containers, volumes, ports, grace, initContainers,
        security);
  }

  public PodSpec withSecurity(PodSecurity newSecurity) {
    return new PodSpec(name, hostname, dns, extraHosts, vm, containers, volumes, ports, terminationGracePeriod,
        initContainers, newSecurity);
  }
}
