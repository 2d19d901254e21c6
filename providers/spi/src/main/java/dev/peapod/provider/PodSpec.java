package dev.peapod.provider;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

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
    Duration terminationGracePeriod) {

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
  }

  /** A pod with defaults for everything but its name and containers. */
  public static PodSpec of(String name, List<ContainerSpec> containers) {
    return new PodSpec(name, null, null, null, null, containers, null, null, null);
  }

  public PodSpec withContainers(List<ContainerSpec> newContainers) {
    return new PodSpec(name, hostname, dns, extraHosts, vm, newContainers, volumes, ports,
        terminationGracePeriod);
  }

  public PodSpec withVolumes(List<VolumeSpec> newVolumes) {
    return new PodSpec(name, hostname, dns, extraHosts, vm, containers, newVolumes, ports,
        terminationGracePeriod);
  }

  public PodSpec withPorts(List<PortForward> newPorts) {
    return new PodSpec(name, hostname, dns, extraHosts, vm, containers, volumes, newPorts,
        terminationGracePeriod);
  }

  public PodSpec withVm(VmResources newVm) {
    return new PodSpec(name, hostname, dns, extraHosts, newVm, containers, volumes, ports,
        terminationGracePeriod);
  }

  public PodSpec withHostname(String newHostname) {
    return new PodSpec(name, newHostname, dns, extraHosts, vm, containers, volumes, ports,
        terminationGracePeriod);
  }

  public PodSpec withTerminationGracePeriod(Duration grace) {
    return new PodSpec(name, hostname, dns, extraHosts, vm, containers, volumes, ports, grace);
  }
}
