package dev.peapod.engine.queue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The controller's queue of pod names, as Kubernetes controllers keep theirs: it holds names,
 * never objects (a worker re-reads desired and actual state for the name it takes), so it is
 * level-triggered and a missed or doubled event costs nothing.
 *
 * <ul>
 *   <li>Deduplicated: a name waiting once is waiting; adding it again does nothing.
 *   <li>One worker per name: a name being worked on is not handed out again until {@link #done};
 *       adding it meanwhile makes it wait for that.
 *   <li>Delays: {@link #addAfter} hands a name out no earlier than asked; the earliest wins.
 *   <li>Per-name exponential backoff: {@link #addRateLimited} waits {@code base * 2^failures}, at
 *       most {@code max}; {@link #forget} (after a success) starts the count again.
 * </ul>
 *
 * Thread-safe; {@link #take} blocks.
 */
public final class WorkQueue {

  private final Duration baseDelay;
  private final Duration maxDelay;
  private final Clock clock;

  private final ArrayDeque<String> ready = new ArrayDeque<>();
  private final Set<String> queued = new HashSet<>();
  private final Set<String> processing = new HashSet<>();
  /** Names added while being processed: queued again on {@link #done}. */
  private final Set<String> dirty = new HashSet<>();
  private final Map<String, Instant> waitingUntil = new HashMap<>();
  private final TreeMap<Instant, Set<String>> byTime = new TreeMap<>();
  private final Map<String, Integer> failures = new HashMap<>();
  private boolean shutDown;

  public WorkQueue(Duration baseDelay, Duration maxDelay, Clock clock) {
    this.baseDelay = baseDelay;
    this.maxDelay = maxDelay;
    this.clock = clock;
  }

  /** Hands {@code name} out as soon as a worker is free. */
  public synchronized void add(String name) {
    if (shutDown) {
      return;
    }
    if (processing.contains(name)) {
      dirty.add(name);
      return;
    }
    cancelWait(name);
    if (queued.add(name)) {
      ready.addLast(name);
      notifyAll();
    }
  }

  /** Hands {@code name} out after {@code delay}, unless it is due earlier anyway. */
  public synchronized void addAfter(String name, Duration delay) {
    if (shutDown) {
      return;
    }
    if (delay.isZero() || delay.isNegative()) {
      add(name);
      return;
    }
    if (queued.contains(name)) {
      return;
    }
    Instant due = clock.instant().plus(delay);
    Instant current = waitingUntil.get(name);
    if (current != null && !current.isAfter(due)) {
      return;
    }
    cancelWait(name);
    waitingUntil.put(name, due);
    byTime.computeIfAbsent(due, t -> new HashSet<>()).add(name);
    notifyAll();
  }

  /** Hands {@code name} out after its backoff, and counts one more failure for it. */
  public synchronized Duration addRateLimited(String name) {
    int n = failures.merge(name, 1, Integer::sum);
    Duration delay = backoff(n);
    addAfter(name, delay);
    return delay;
  }

  /** The delay after {@code n} failures in a row: base, 2 base, 4 base, ... at most max. */
  public Duration backoff(int n) {
    long factor = 1L << Math.min(Math.max(n - 1, 0), 30);
    Duration delay = baseDelay.multipliedBy(factor);
    return delay.compareTo(maxDelay) > 0 || delay.isNegative() ? maxDelay : delay;
  }

  /** How many failures in a row {@code name} has had. */
  public synchronized int failures(String name) {
    return failures.getOrDefault(name, 0);
  }

  /** {@code name} succeeded: its backoff starts from the base again. */
  public synchronized void forget(String name) {
    failures.remove(name);
  }

  /**
   * The next name to work on, waiting for one; empty once the queue is shut down. The caller
   * must call {@link #done} when it has finished with it.
   */
  public synchronized Optional<String> take() throws InterruptedException {
    while (true) {
      promoteDue();
      if (shutDown) {
        return Optional.empty();
      }
      String name = ready.pollFirst();
      if (name != null) {
        queued.remove(name);
        processing.add(name);
        return Optional.of(name);
      }
      if (byTime.isEmpty()) {
        wait();
      } else {
        long millis = Math.max(1, Duration.between(clock.instant(), byTime.firstKey()).toMillis());
        wait(millis);
      }
    }
  }

  /** The worker has finished with {@code name}; if it was added meanwhile, it is queued again. */
  public synchronized void done(String name) {
    processing.remove(name);
    if (dirty.remove(name)) {
      add(name);
    }
  }

  /** Names waiting now or later, not counting those being worked on. */
  public synchronized int depth() {
    return queued.size() + waitingUntil.size();
  }

  /**
   * A worker's loop: takes names until the queue is shut down and hands each to {@code work}; a
   * name whose work throws is told to {@code failed} and comes back after its backoff. Returns once
   * the queue is shut down (or the thread interrupted).
   */
  public void work(Consumer<String> work, BiConsumer<String, RuntimeException> failed) {
    while (true) {
      Optional<String> name;
      try {
        name = take();
      } catch (InterruptedException e) {
        return;
      }
      if (name.isEmpty()) {
        return;
      }
      try {
        work.accept(name.get());
      } catch (RuntimeException e) {
        failed.accept(name.get(), e);
        addRateLimited(name.get());
      } finally {
        done(name.get());
      }
    }
  }

  /** Wakes every waiting worker with nothing to do; later adds are ignored. */
  public synchronized void shutDown() {
    shutDown = true;
    notifyAll();
  }

  private void promoteDue() {
    Instant now = clock.instant();
    while (!byTime.isEmpty() && !byTime.firstKey().isAfter(now)) {
      for (String name : byTime.pollFirstEntry().getValue()) {
        waitingUntil.remove(name);
        if (processing.contains(name)) {
          dirty.add(name);
        } else if (queued.add(name)) {
          ready.addLast(name);
        }
      }
    }
  }

  private void cancelWait(String name) {
    Instant due = waitingUntil.remove(name);
    if (due != null) {
      Set<String> names = byTime.get(due);
      names.remove(name);
      if (names.isEmpty()) {
        byTime.remove(due);
      }
    }
  }
}
