package dev.peapod.manifest.decode;

import dev.peapod.manifest.model.DnsConfig;
import dev.peapod.manifest.model.HostAlias;
import dev.peapod.manifest.source.SourceNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The pod's name service: {@code hostname}, {@code dnsPolicy}, {@code dnsConfig}, {@code hostAliases}. */
record PodNetworkDecoder(String hostname, DnsConfig dns, List<HostAlias> hostAliases) {

  /** Kubernetes' resolver limits (and glibc's for nameservers). */
  private static final int MAX_NAMESERVERS = 3;
  private static final int MAX_SEARCHES = 32;

  private static final Map<String, Boolean> POLICIES = new LinkedHashMap<>();

  static {
    // true: dnsConfig replaces the defaults (None); false: it is merged with them.
    POLICIES.put("ClusterFirst", false);
    POLICIES.put("ClusterFirstWithHostNet", false);
    POLICIES.put("Default", false);
    POLICIES.put("None", true);
  }

  static PodNetworkDecoder decode(MapReader r, String podName) {
    String hostname = r.string("hostname").orElse("");
    if (!hostname.isEmpty()) {
      NameRules.dns1123Label(hostname).ifPresent(
          m -> r.problems().error(r.peek("hostname").orElseThrow(), r.path("hostname"), m));
    }
    boolean replace = dnsPolicy(r);
    DnsConfig dns = r.object("dnsConfig", Shapes.DNS_CONFIG)
        .map(c -> dnsConfig(c, replace))
        .orElse(new DnsConfig(replace, List.of(), List.of(), List.of()));
    if (replace && dns.nameservers().isEmpty()) {
      r.problems().error(r.peek("dnsPolicy").orElseThrow(), r.path("dnsPolicy"),
          "dnsPolicy None needs at least one nameserver in spec.dnsConfig.nameservers");
    }
    List<HostAlias> aliases = new ArrayList<>();
    r.objects("hostAliases", Shapes.HOST_ALIAS).forEach(a -> aliases.add(hostAlias(a)));
    return new PodNetworkDecoder(hostname.isEmpty() ? podName : hostname, dns, aliases);
  }

  private static boolean dnsPolicy(MapReader r) {
    Optional<Boolean> replace = r.choice("dnsPolicy", POLICIES);
    Optional<String> written = r.peekText("dnsPolicy");
    if (replace.isPresent() && written.filter(w -> w.contains("ClusterFirst")).isPresent()) {
      r.problems().warning(r.peek("dnsPolicy").orElseThrow().position(), r.path("dnsPolicy"),
          "there is no cluster DNS; the pod resolves names as with dnsPolicy Default");
    }
    return replace.orElse(false);
  }

  private static DnsConfig dnsConfig(MapReader r, boolean replace) {
    List<String> nameservers = r.strings("nameservers");
    checkEach(r, "nameservers", nameservers, NameRules::ipAddress);
    if (nameservers.size() > MAX_NAMESERVERS) {
      r.problems().error(r.peek("nameservers").orElseThrow(), r.path("nameservers"),
          "at most " + MAX_NAMESERVERS + " nameservers are allowed, got " + nameservers.size());
    }
    List<String> searches = r.strings("searches");
    checkEach(r, "searches", searches, s -> NameRules.dns1123Subdomain(s.endsWith(".") ? s.substring(0, s.length() - 1) : s));
    if (searches.size() > MAX_SEARCHES) {
      r.problems().error(r.peek("searches").orElseThrow(), r.path("searches"),
          "at most " + MAX_SEARCHES + " search domains are allowed, got " + searches.size());
    }
    List<DnsConfig.Option> options = new ArrayList<>();
    for (MapReader o : r.objects("options", Shapes.DNS_OPTION)) {
      String name = o.requiredString("name");
      Optional<String> value = o.string("value");
      o.finish();
      options.add(new DnsConfig.Option(name, value));
    }
    r.finish();
    return new DnsConfig(replace, nameservers, searches, options);
  }

  private static HostAlias hostAlias(MapReader r) {
    String ip = r.requiredString("ip");
    if (!ip.isEmpty()) {
      NameRules.ipAddress(ip).ifPresent(m -> r.problems().error(r.peek("ip").orElseThrow(), r.path("ip"), m));
    }
    List<String> hostnames = r.strings("hostnames");
    checkEach(r, "hostnames", hostnames, NameRules::dns1123Subdomain);
    r.finish();
    return new HostAlias(ip, hostnames);
  }

  /** Applies {@code rule} to each string of a list field, reporting at the item. */
  private static void checkEach(MapReader r, String field, List<String> values,
      java.util.function.Function<String, Optional<String>> rule) {
    List<SourceNode> items = r.peekList(field);
    for (int i = 0; i < values.size() && i < items.size(); i++) {
      int index = i;
      rule.apply(values.get(i)).ifPresent(
          m -> r.problems().error(items.get(index), r.path(field).index(index), m));
    }
  }
}
