package dev.peapod.manifest.model;

import java.util.List;
import java.util.Optional;

/**
 * Resolver settings: {@code spec.dnsPolicy} and {@code spec.dnsConfig}.
 *
 * @param replaceDefaults true for {@code dnsPolicy: None} (only these settings), false to merge
 *     them with the VM's defaults as Kubernetes' {@code Default} does
 * @param nameservers IP addresses, at most 3
 * @param searches search domains
 * @param options resolver options
 */
public record DnsConfig(
    boolean replaceDefaults, List<String> nameservers, List<String> searches, List<Option> options) {

  public static final DnsConfig DEFAULT = new DnsConfig(false, List.of(), List.of(), List.of());

  /** A resolv.conf option such as {@code ndots:2}. */
  public record Option(String name, Optional<String> value) {
    public Option {
      value = value == null ? Optional.empty() : value;
    }
  }

  public DnsConfig {
    nameservers = List.copyOf(nameservers);
    searches = List.copyOf(searches);
    options = List.copyOf(options);
  }
}
