package dev.peapod.provider.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.peapod.provider.PortForward;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HostForwardsTest {

  /** Answers like QEMU 7.2's HMP: a taken host port cannot be added, an unknown rule not removed. */
  private static final class FakeMonitor implements HostForwards.Monitor {
    final List<String> calls = new ArrayList<>();
    final Set<String> taken = new HashSet<>();
    final Set<String> forwarded = new HashSet<>();

    @Override
    public String run(String commandLine) {
      calls.add(commandLine);
      String[] words = commandLine.split(" ");
      String rule = words[2];
      String host = rule.contains("-") ? rule.substring(0, rule.indexOf('-')) : rule;
      if (words[0].equals("hostfwd_add")) {
        if (taken.contains(host) || !forwarded.add(host)) {
          return "Could not set up host forwarding rule '" + rule + "'\r\n";
        }
        return "";
      }
      return forwarded.remove(host) ? "host forwarding rule for " + rule + " removed\r\n"
          : "host forwarding rule for " + rule + " not found\r\n";
    }
  }

  @Test
  void removesWhatWentAndAddsWhatIsNew() {
    FakeMonitor qemu = new FakeMonitor();
    qemu.forwarded.addAll(List.of("tcp:127.0.0.1:8080", "tcp:127.0.0.1:9090"));

    new HostForwards(qemu, "net0").change(List.of(PortForward.tcp(8080, 80), PortForward.tcp(9090, 90)),
        List.of(PortForward.tcp(8080, 81), PortForward.tcp(9090, 90)));

    assertEquals(List.of("hostfwd_remove net0 tcp:127.0.0.1:8080", "hostfwd_add net0 tcp:127.0.0.1:8080-:81"),
        qemu.calls);
  }

  @Test
  void aTakenPortLeavesTheOldForwardsInPlace() {
    FakeMonitor qemu = new FakeMonitor();
    qemu.forwarded.add("tcp:127.0.0.1:8080");
    qemu.taken.add("tcp:127.0.0.1:7070");

    HostForwards.ForwardException e = assertThrows(HostForwards.ForwardException.class,
        () -> new HostForwards(qemu, "net0").change(List.of(PortForward.tcp(8080, 80)),
            List.of(PortForward.tcp(6060, 60), PortForward.tcp(7070, 70))));

    assertEquals("cannot forward host port 127.0.0.1:7070->70/tcp (is the port in use?): Could not set up host"
        + " forwarding rule 'tcp:127.0.0.1:7070-:70'; the pod keeps its old port forwards", e.getMessage());
    assertEquals(Set.of("tcp:127.0.0.1:8080"), qemu.forwarded);
    assertEquals(List.of(
        "hostfwd_remove net0 tcp:127.0.0.1:8080",
        "hostfwd_add net0 tcp:127.0.0.1:6060-:60",
        "hostfwd_add net0 tcp:127.0.0.1:7070-:70",
        "hostfwd_remove net0 tcp:127.0.0.1:6060",
        "hostfwd_add net0 tcp:127.0.0.1:8080-:80"), qemu.calls);
  }

  @Test
  void udpRulesSayUdp() {
    assertEquals("udp:0.0.0.0:5353-:53",
        HostForwards.rule(new PortForward("0.0.0.0", 5353, 53, PortForward.Protocol.UDP)));
  }
}
