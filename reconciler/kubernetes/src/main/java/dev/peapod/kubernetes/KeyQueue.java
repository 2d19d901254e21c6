package dev.peapod.kubernetes;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The agent's work queue of PeaPod keys ({@code NAMESPACE/NAME}), as client-go's: a key is queued
 * once however often it is added, a key being worked on is not handed to a second worker (it is
 * queued again when the first is done), and failures come back after a per-key exponential backoff.
 * Keys, never objects: each pass reads the PeaPod and the pod as they are then.
 */
final class KeyQueue {

  private final Duration baseDelay;
  private final Duration maxDelay;
  private final LinkedHashSet<String> queued = new LinkedHashSet<>();
  private final Set<String> working = new HashSet<>();
  private final Set<String> again = new HashSet<>();
  private final Map<String, Integer> failures = new HashMap<>();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "peapod-agent-queue");
    t.setDaemon(true);
    return t;
  });
  private boolean shutDown;

  KeyQueue(Duration baseDelay, Duration maxDelay) {
    this.baseDelay = baseDelay;
    this.maxDelay = maxDelay;
  }

  synchronized void add(String key) {
    if (shutDown) {
      return;
    }
    if (working.contains(key)) {
      again.add(key);
    } else if (queued.add(key)) {
      notifyAll();
    }
  }

  void addAfter(String key, Duration delay) {
    if (!timer.isShutdown()) {
      timer.schedule(() -> add(key), delay.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** Adds {@code key} again after its backoff, which doubles with each failure in a row; returns the delay. */
  Duration addRateLimited(String key) {
    int n;
    synchronized (this) {
      n = failures.merge(key, 1, Integer::sum);
    }
    Duration delay = baseDelay.multipliedBy(1L << Math.min(n - 1, 20));
    delay = delay.compareTo(maxDelay) > 0 ? maxDelay : delay;
    addAfter(key, delay);
    return delay;
  }

  /** The key succeeded: its next failure starts the backoff anew. */
  synchronized void forget(String key) {
    failures.remove(key);
  }

  /** The next key, waiting for one; empty once the queue is shut down. */
  synchronized Optional<String> take() throws InterruptedException {
    while (queued.isEmpty() && !shutDown) {
      wait();
    }
    if (shutDown) {
      return Optional.empty();
    }
    String key = queued.iterator().next();
    queued.remove(key);
    working.add(key);
    return Optional.of(key);
  }

  synchronized void done(String key) {
    working.remove(key);
    if (again.remove(key)) {
      add(key);
    }
  }

  synchronized void shutDown() {
    shutDown = true;
    timer.shutdownNow();
    notifyAll();
  }
}
