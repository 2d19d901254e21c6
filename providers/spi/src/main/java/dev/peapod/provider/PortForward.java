package dev.peapod.provider;

/**
 * A host port forwarded to a port inside the pod.
 *
 * @param hostIp address to bind on the host; 127.0.0.1 unless the user asked otherwise
 * @param hostPort port on the host
 * @param containerPort port the pod listens on
 * @param protocol tcp or udp
 */
public record PortForward(String hostIp, int hostPort, int containerPort, Protocol protocol) {

  public enum Protocol { TCP, UDP }

  public PortForward {
    hostIp = hostIp == null || hostIp.isEmpty() ? "127.0.0.1" : hostIp;
    protocol = protocol == null ? Protocol.TCP : protocol;
    checkPort("hostPort", hostPort);
    checkPort("containerPort", containerPort);
  }

  public static PortForward tcp(int hostPort, int containerPort) {
    return new PortForward("127.0.0.1", hostPort, containerPort, Protocol.TCP);
  }

  private static void checkPort(String what, int port) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(what + " must be in 1..65535, got " + port);
    }
  }
}
