package dev.peapod.images.registry;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Whether a registry's host[:port] names this machine's loopback: {@code localhost},
 * an IPv4 literal in 127.0.0.0/8 or {@code [::1]}. Such registries are reached over plain
 * HTTP without configuration, as Docker does (its default insecure range is 127.0.0.0/8):
 * the traffic never leaves the machine. Decided from the text alone: a name is never
 * resolved, so no DNS answer can turn a remote registry into a plain-HTTP one.
 */
final class LoopbackHost {
  private static final Pattern IPV4_LOOPBACK =
      Pattern.compile("127\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){2}");

  private LoopbackHost() {}

  static boolean is(String hostAndPort) {
    String host = withoutPort(hostAndPort.strip().toLowerCase(Locale.ROOT));
    return host.equals("localhost") || host.equals("[::1]") || host.equals("::1")
        || IPV4_LOOPBACK.matcher(host).matches();
  }

  private static String withoutPort(String hostAndPort) {
    if (hostAndPort.startsWith("[")) {
      int close = hostAndPort.indexOf(']');
      return close < 0 ? hostAndPort : hostAndPort.substring(0, close + 1);
    }
    int colon = hostAndPort.indexOf(':');
    // "::1" without brackets has more than one colon and no port
    return colon < 0 || hostAndPort.indexOf(':', colon + 1) >= 0 ? hostAndPort : hostAndPort.substring(0, colon);
  }
}
