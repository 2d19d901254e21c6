package dev.peapod.provider.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.peapod.provider.PortForward;
import dev.peapod.provider.qemu.runtime.SamePageMerging;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class PasstNetworkTest {

  private static final Path LOG = Path.of("/pods/p/net.log");

  @Test
  void passtKeepsTheGuestAddressesAndMapsNothingToTheHostsLoopback() {
    PeerCheckedConnect.Launch launch = new PasstNetwork("passt", SamePageMerging.OFF).launch(
        List.of(PortForward.tcp(8080, 80), new PortForward("0.0.0.0", 5353, 53, PortForward.Protocol.UDP)),
        Integer.parseUnsignedInt("2000000001"), false, LOG);
    assertEquals(List.of("perl", "-e", PeerCheckedConnect.script()), PeerCheckedConnect.argv("perl"));
    assertEquals(String.join("\0", List.of("22", "net.sock", "2000000001", "0",
        LOG.toString(), ">", "-", "0.000",
        "passt", "-f", "-q", "--fd", "0", "-4", "-a", "10.0.2.15", "-n", "24", "-g", "10.0.2.2", "--no-map-gw",
        "--dns-forward", "10.0.2.3", "--no-dhcpv6", "--no-ndp", "--no-ra", "-t", "127.0.0.1/8080:80",
        "-u", "0.0.0.0/5353:53")) + "\0", new String(PeerCheckedConnect.input(List.of(launch)),
        java.nio.charset.StandardCharsets.UTF_8));
  }

  @Test
  void withoutForwardsPasstForwardsNothing() {
    List<String> program = new PasstNetwork("passt", SamePageMerging.OFF).launch(List.of(), 0, false, LOG).program();
    assertEquals(List.of("-t", "none", "-u", "none"), program.subList(program.size() - 4, program.size()));
  }

  @Test
  void passtRunsMarkedForSamePageMergingUnlessKsmIsOff() {
    assertEquals(false, new PasstNetwork("passt", SamePageMerging.OFF).launch(List.of(), 7, false, LOG).merge());
    assertEquals(true, new PasstNetwork("passt", SamePageMerging.HELPERS).launch(List.of(), 7, false, LOG).merge());
    assertEquals(true, new PasstNetwork("passt", SamePageMerging.ALL).launch(List.of(), 7, false, LOG).merge());
    assertEquals("1", new PasstNetwork("passt", SamePageMerging.HELPERS).launch(List.of(), 7, false, LOG)
        .arguments().get(3));
  }

  /**
   * passt is up once it holds its forwards: a port another process holds does not count. The readiness check
   * matched the port's number in /proc/net whoever held it, so a service that bound the port between the check
   * before the launch and passt's own bind passed it.
   */
  @Test
  void aPortIsPasstsOnlyWhenPasstHoldsIt() throws Exception {
    try (java.net.ServerSocket tcp = new java.net.ServerSocket(0);
        java.net.DatagramSocket udp = new java.net.DatagramSocket(0)) {
      List<PortForward> ports = List.of(PortForward.tcp(tcp.getLocalPort(), 80),
          new PortForward("0.0.0.0", udp.getLocalPort(), 53, PortForward.Protocol.UDP));
      Process other = new ProcessBuilder("sleep", "60").start();
      try {
        assertEquals(true, PasstNetwork.listening(ports, ProcessHandle.current().pid()), "this JVM holds both");
        assertEquals(false, PasstNetwork.listening(ports, other.pid()), "a process without them");
        assertEquals(false, PasstNetwork.listening(ports.subList(0, 1), Long.MAX_VALUE), "no such process");
      } finally {
        other.destroyForcibly();
      }
    }
    assertEquals(true, PasstNetwork.listening(List.of(), 1), "no forwards: nothing to hold");
  }

  /** A JVM not run as root cannot read passt's open files (passt is undumpable): a socket of passt's user counts. */
  @Test
  void withoutPasstsOpenFilesASocketOfItsUserCounts() {
    java.util.Map<String, String> holders = java.util.Map.of("1001", "1000", "1002", "65534");
    assertEquals(true, PasstNetwork.held(holders, java.util.Optional.of(java.util.Set.of("1001")),
        java.util.Optional.empty()));
    assertEquals(false, PasstNetwork.held(holders, java.util.Optional.of(java.util.Set.of("7")),
        java.util.Optional.of("1000")), "its open files decide when they can be read");
    assertEquals(true, PasstNetwork.held(holders, java.util.Optional.empty(), java.util.Optional.of("1000")));
    assertEquals(false, PasstNetwork.held(holders, java.util.Optional.empty(), java.util.Optional.of("0")));
    assertEquals(false, PasstNetwork.held(holders, java.util.Optional.empty(), java.util.Optional.empty()));
  }
}
