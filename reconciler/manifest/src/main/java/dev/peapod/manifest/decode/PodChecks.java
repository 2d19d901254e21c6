package dev.peapod.manifest.decode;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Rules that span a whole pod: unique names and host ports, mounts of defined volumes. */
final class PodChecks {
  private PodChecks() {}

  static void check(PodSites sites, Problems problems) {
    unique(sites.containerNames, "duplicate container name", problems);
    unique(sites.volumeNames, "duplicate volume name", problems);
    mountsOfDefinedVolumes(sites, problems);
    uniqueHostPorts(sites, problems);
  }

  /** Reports every repeat after the first, at the repeat. */
  private static void unique(List<Located<String>> names, String what, Problems problems) {
    Set<String> seen = new HashSet<>();
    for (Located<String> name : names) {
      if (!seen.add(name.value())) {
        problems.error(name.position(), name.path(), what + " \"" + name.value() + "\"");
      }
    }
  }

  private static void mountsOfDefinedVolumes(PodSites sites, Problems problems) {
    Set<String> defined = new HashSet<>();
    sites.volumeNames.forEach(v -> defined.add(v.value()));
    for (Located<String> mount : sites.mountedVolumes) {
      if (!defined.contains(mount.value())) {
        problems.error(mount.position(), mount.path(),
            "volume \"" + mount.value() + "\" is not defined in spec.volumes");
      }
    }
  }

  private static void uniqueHostPorts(PodSites sites, Problems problems) {
    Map<PodSites.HostPort, Located<PodSites.HostPort>> first = new HashMap<>();
    for (Located<PodSites.HostPort> port : sites.hostPorts) {
      Located<PodSites.HostPort> earlier = first.putIfAbsent(port.value(), port);
      if (earlier != null) {
        problems.error(port.position(), port.path(), "host port " + port.value()
            + " is already forwarded by " + earlier.path());
      }
    }
  }
}
