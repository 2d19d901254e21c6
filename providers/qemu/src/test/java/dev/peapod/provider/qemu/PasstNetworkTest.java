package dev.peapod.provider.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.peapod.provider.PortForward;
import dev.peapod.provider.qemu.runtime.SamePageMerging;
import java.util.List;
import org.junit.jupiter.api.Test;

class PasstNetworkTest {

  @Test
  void passtKeepsTheGuestAddressesAndMapsNothingToTheHostsLoopback() {
    List<String> argv = new PasstNetwork("passt", SamePageMerging.OFF).argv(List.of(PortForward.tcp(8080, 80),
        new PortForward("0.0.0.0", 5353, 53, PortForward.Protocol.UDP)), Integer.parseUnsignedInt("2000000001"));
    assertEquals(List.of("perl", "-e", PeerCheckedConnect.script(), "net.sock", "2000000001", "0",
        "passt", "-f", "-q", "--fd", "0", "-4", "-a", "10.0.2.15", "-n", "24", "-g", "10.0.2.2", "--no-map-gw",
        "--dns-forward", "10.0.2.3", "--no-dhcpv6", "--no-ndp", "--no-ra", "-t", "127.0.0.1/8080:80",
        "-u", "0.0.0.0/5353:53"), argv);
  }

  @Test
  void withoutForwardsPasstForwardsNothing() {
    List<String> argv = new PasstNetwork("passt", SamePageMerging.OFF).argv(List.of(), 0);
    assertEquals(List.of("-t", "none", "-u", "none"), argv.subList(argv.size() - 4, argv.size()));
  }

  @Test
  void passtRunsMarkedForSamePageMergingUnlessKsmIsOff() {
    assertEquals("0", new PasstNetwork("passt", SamePageMerging.OFF).argv(List.of(), 7).get(5));
    assertEquals("1", new PasstNetwork("passt", SamePageMerging.HELPERS).argv(List.of(), 7).get(5));
    assertEquals("1", new PasstNetwork("passt", SamePageMerging.ALL).argv(List.of(), 7).get(5));
  }
}
