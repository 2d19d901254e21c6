package dev.peapod.manifest.model;

import java.util.Objects;

/**
 * A container port. Without a host port it only documents what the container listens on (as in
 * Kubernetes); with one, the host forwards {@code hostIp:hostPort} to it.
 *
 * @param name IANA service name or empty
 * @param containerPort 1..65535
 * @param hostPort 1..65535, or 0 for no forwarding
 * @param hostIp address the forward binds on the host: {@code 127.0.0.1} unless the manifest says
 *     otherwise, empty when there is no host port
 * @param protocol TCP or UDP
 */
public record PortDecl(String name, int containerPort, int hostPort, String hostIp, Protocol protocol) {

  /** Forwards bind on loopback unless asked: a pod is not exposed to the network by accident. */
  public static final String DEFAULT_HOST_IP = "127.0.0.1";

  public PortDecl {
    name = name == null ? "" : name;
    hostIp = hostPort == 0 ? "" : (hostIp == null || hostIp.isEmpty() ? DEFAULT_HOST_IP : hostIp);
    Objects.requireNonNull(protocol, "protocol");
  }

  public boolean isForwarded() {
    return hostPort != 0;
  }
}
