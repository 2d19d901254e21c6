package dev.peapod.provider.qemu;

import dev.peapod.provider.qemu.guest.GuestConnection;
import dev.peapod.provider.qemu.guest.GuestEvent;
import dev.peapod.provider.qemu.guest.GuestListener;
import dev.peapod.provider.qemu.runtime.VmFiles;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This provider instance's control connections, one per running pod. QEMU's
 * socket chardev serves a single client, so connections are kept and shared
 * rather than opened per call, and re-opened (with a fresh HELLO) when one
 * broke. Events arriving on them are recorded: the last exit per container.
 */
final class GuestChannels implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(GuestChannels.class.getName());

  private final Map<String, GuestConnection> connections = new ConcurrentHashMap<>();
  private final Map<String, Map<String, GuestEvent>> lastExits = new ConcurrentHashMap<>();
  private final Map<String, Object> locks = new ConcurrentHashMap<>();

  /** The pod's open connection, or a new one when there is none or it broke. */
  GuestConnection get(String pod, VmFiles files, Duration timeout) {
    synchronized (lockFor(pod)) {
      GuestConnection c = connections.get(pod);
      if (c != null && c.isOpen()) {
        return c;
      }
      if (c != null) {
        c.close();
      }
      GuestConnection fresh = GuestConnection.open(files.ctlSocket(), pod, new Recorder(pod), timeout);
      connections.put(pod, fresh);
      return fresh;
    }
  }

  /** Closes and forgets the pod's connection (its VM is gone or going). */
  void drop(String pod) {
    synchronized (lockFor(pod)) {
      GuestConnection c = connections.remove(pod);
      if (c != null) {
        c.close();
      }
      lastExits.remove(pod);
    }
  }

  /** The last exit the guest reported for the container's main process since this provider connected. */
  Optional<GuestEvent> lastExit(String pod, String container) {
    return Optional.ofNullable(lastExits.getOrDefault(pod, Map.of()).get(container));
  }

  private Object lockFor(String pod) {
    return locks.computeIfAbsent(pod, p -> new Object());
  }

  @Override
  public void close() {
    connections.values().forEach(GuestConnection::close);
    connections.clear();
  }

  /** Records container exits; runs on the connection's reader thread, so it only updates a map. */
  private final class Recorder implements GuestListener {
    private final String pod;

    Recorder(String pod) {
      this.pod = pod;
    }

    @Override
    public void onEvent(GuestEvent event) {
      if (event.exited()) {
        lastExits.computeIfAbsent(pod, p -> new ConcurrentHashMap<>()).put(event.container(), event);
        LOG.log(System.Logger.Level.DEBUG, "pod " + pod + ": container " + event.container()
            + " exited with " + event.exitCode());
      }
    }
  }
}
