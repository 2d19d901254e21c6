package dev.peapod.engine.config;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.UUID;

/**
 * What the downward API tells a pod about where it runs, beyond its own manifest. A pod read from
 * files lives in the namespace its document names, else {@code default}, on the node named after this host ({@code NODE_NAME}
 * when set, as the Kubernetes agent's DaemonSet sets it, else the host name), and its host IP is
 * the host's first non-loopback IPv4 address.
 *
 * <p>The pod IP is the address the guest gives itself: every Peapod VM has its own user-mode
 * network with the guest at {@link #POD_IP} (guest-init's {@code ETH_ADDR}), so it is known on the
 * host without asking the guest. It is the same in every pod and reachable only from inside it.
 *
 * @param namespace {@code default} in file mode, the PeaPod's namespace on Kubernetes
 * @param nodeName the node's name
 * @param hostIp the host's address
 */
public record PodEnvironment(String namespace, String nodeName, String hostIp) {

  /** The guest's address in its VM's user-mode network (guest-init's network.c, passt's -a). */
  public static final String POD_IP = "10.0.2.15";

  /** The pod's {@code metadata.uid}: stable for a pod name on a node, so a restart or a replace keeps it. */
  public String uid(String pod) {
    return UUID.nameUUIDFromBytes(("peapod:" + nodeName + "/" + namespace + "/" + pod).getBytes(StandardCharsets.UTF_8))
        .toString();
  }

  /** The same node and host in another namespace. */
  public PodEnvironment withNamespace(String other) {
    return new PodEnvironment(other, nodeName, hostIp);
  }

  /** File mode on this host, from the process environment. */
  public static PodEnvironment ofHost(Map<String, String> environment) {
    String node = environment.getOrDefault("NODE_NAME", "");
    return new PodEnvironment("default", node.isEmpty() ? hostName() : node, hostAddress());
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }

  private static String hostAddress() {
    try {
      for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (nic.isUp() && !nic.isLoopback()) {
          for (InetAddress address : Collections.list(nic.getInetAddresses())) {
            if (address instanceof Inet4Address) {
              return address.getHostAddress();
            }
          }
        }
      }
    } catch (SocketException e) {
      // fall through: a host without a usable interface is its own loopback
    }
    return "127.0.0.1";
  }
}
