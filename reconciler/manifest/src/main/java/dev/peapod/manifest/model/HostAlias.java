package dev.peapod.manifest.model;

import java.util.List;

/** An extra {@code /etc/hosts} entry ({@code spec.hostAliases}). */
public record HostAlias(String ip, List<String> hostnames) {
  public HostAlias {
    hostnames = List.copyOf(hostnames);
  }
}
