package dev.peapod.provider.qemu;

import dev.peapod.provider.qemu.guest.GuestConnection;
import dev.peapod.provider.qemu.guest.GuestEvent;
import dev.peapod.provider.qemu.guest.GuestException;
import dev.peapod.provider.qemu.guest.GuestListener;
import dev.peapod.provider.qemu.runtime.VmFiles;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This provider instance's control connections, one per running pod. QEMU's
 * socket chardev serves a single client, so connections are kept and shared
 * rather than opened per call, and re-opened (with a fresh HELLO) when one
 * broke. Events arriving on them are recorded: the last exit per container,
 * and handed to whoever waits for a container's next exit (init containers).
 */
final class GuestChannels implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(GuestChannels.class.getName());

  private final Map<String, GuestConnection> connections = new ConcurrentHashMap<>();
  private final Map<String, Map<String, GuestEvent>> lastExits = new ConcurrentHashMap<>();
  private final Map<String, Object> locks = new ConcurrentHashMap<>();
  /** Per pod, per container: completed by the container main process's next exit. */
  private final Map<String, Map<String, CompletableFuture<GuestEvent>>> exitWaiters = new ConcurrentHashMap<>();

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

  /**
   * Completes with the next exit the guest reports for the container's main process, or
   * exceptionally when the pod's connection ends first (the VM died or was stopped). Call it
   * before the request that starts the process: a quick process may exit before its OK arrives.
   */
  CompletableFuture<GuestEvent> nextExit(String pod, String container) {
    CompletableFuture<GuestEvent> exit = new CompletableFuture<>();
    exitWaiters.computeIfAbsent(pod, p -> new ConcurrentHashMap<>()).put(container, exit);
    exit.whenComplete((event, error) -> {
      Map<String, CompletableFuture<GuestEvent>> waiters = exitWaiters.get(pod);
      if (waiters != null) {
        waiters.remove(container, exit);
      }
    });
    return exit;
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
        CompletableFuture<GuestEvent> waiter = exitWaiters.getOrDefault(pod, Map.of()).get(event.container());
        if (waiter != null) {
          waiter.complete(event);
        }
      }
    }

    @Override
    public void onClosed(Throwable cause) {
      GuestException gone = new GuestException("the control connection to the guest of " + pod + " ended"
          + (cause == null ? "" : ": " + cause.getMessage()), cause);
      exitWaiters.getOrDefault(pod, Map.of()).values().forEach(w -> w.completeExceptionally(gone));
    }
  }
}
