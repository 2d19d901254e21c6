package dev.peapod.provider.qemu;

import dev.peapod.provider.PortForward;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Changes the host port forwards of a running VM's user-mode network through
 * the monitor's {@code hostfwd_add} / {@code hostfwd_remove}, all or nothing:
 * forwards that go away are removed first (a new forward may reuse their host
 * port), then the new ones are added; if one cannot be added, the ones added
 * are removed and the removed ones put back, so the VM forwards what it did.
 */
final class HostForwards {

  /** Runs one HMP command line and returns its output. */
  @FunctionalInterface
  interface Monitor {
    String run(String commandLine);
  }

  /** A forward could not be changed; the message names it and says why. */
  static final class ForwardException extends RuntimeException {
    ForwardException(String message) {
      super(message);
    }
  }

  private final Monitor monitor;
  private final String netdev;

  HostForwards(Monitor monitor, String netdev) {
    this.monitor = monitor;
    this.netdev = netdev;
  }

  HostForwards(dev.peapod.provider.qemu.qmp.QmpClient qmp, String netdev) {
    this(qmp::humanMonitorCommand, netdev);
  }

  /** Makes the VM forward {@code to} instead of {@code from}. */
  void change(List<PortForward> from, List<PortForward> to) {
    Set<PortForward> removed = new LinkedHashSet<>(from);
    removed.removeAll(to);
    Set<PortForward> added = new LinkedHashSet<>(to);
    added.removeAll(from);
    List<PortForward> doneRemoving = new ArrayList<>();
    for (PortForward p : removed) {
      String out = monitor.run("hostfwd_remove " + netdev + " " + hostSide(p));
      if (!out.contains("removed")) {
        restore(List.of(), doneRemoving);
        throw new ForwardException("cannot remove port forward " + describe(p) + ": " + out.strip());
      }
      doneRemoving.add(p);
    }
    List<PortForward> doneAdding = new ArrayList<>();
    for (PortForward p : added) {
      String out = monitor.run("hostfwd_add " + netdev + " " + rule(p));
      if (!out.isBlank()) {
        restore(doneAdding, doneRemoving);
        throw new ForwardException("cannot forward host port " + describe(p) + " (is the port in use?): "
            + out.strip() + "; the pod keeps its old port forwards");
      }
      doneAdding.add(p);
    }
  }

  /** Undoes a partial change; best effort, since the VM is in an unknown state if this fails too. */
  private void restore(List<PortForward> added, List<PortForward> removed) {
    for (PortForward p : added) {
      monitor.run("hostfwd_remove " + netdev + " " + hostSide(p));
    }
    for (PortForward p : removed) {
      monitor.run("hostfwd_add " + netdev + " " + rule(p));
    }
  }

  /** QEMU's hostfwd rule: {@code tcp:127.0.0.1:8080-:80} (the guest address is the DHCP one). */
  static String rule(PortForward p) {
    return hostSide(p) + "-:" + p.containerPort();
  }

  private static String hostSide(PortForward p) {
    return (p.protocol() == PortForward.Protocol.UDP ? "udp" : "tcp") + ":" + p.hostIp() + ":" + p.hostPort();
  }

  static String describe(PortForward p) {
    return p.hostIp() + ":" + p.hostPort() + "->" + p.containerPort() + "/" + p.protocol().name().toLowerCase();
  }
}
