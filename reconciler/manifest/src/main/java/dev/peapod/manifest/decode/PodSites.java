package dev.peapod.manifest.decode;

import dev.peapod.manifest.model.Protocol;
import java.util.ArrayList;
import java.util.List;

/**
 * Names and ports collected while decoding one pod, with their positions, for the checks that
 * need the whole pod ({@link PodChecks}). Used by every document kind.
 */
final class PodSites {

  /** One host-side forward: the triple that must be unique within a pod. */
  record HostPort(String hostIp, int port, Protocol protocol) {
    @Override
    public String toString() {
      return hostIp + ":" + port + "/" + protocol;
    }
  }

  final List<Located<String>> containerNames = new ArrayList<>();
  final List<Located<String>> volumeNames = new ArrayList<>();
  final List<Located<String>> mountedVolumes = new ArrayList<>();
  final List<Located<HostPort>> hostPorts = new ArrayList<>();
}
