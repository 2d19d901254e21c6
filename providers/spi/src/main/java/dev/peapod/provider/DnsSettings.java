package dev.peapod.provider;

import java.util.List;

/** Resolver settings, as in a Kubernetes PodDNSConfig; empty servers means the VM's default. */
public record DnsSettings(List<String> nameservers, List<String> searches, List<String> options) {

  public static final DnsSettings DEFAULT = new DnsSettings(List.of(), List.of(), List.of());

  public DnsSettings {
    nameservers = List.copyOf(nameservers);
    searches = List.copyOf(searches);
    options = List.copyOf(options);
  }
}
