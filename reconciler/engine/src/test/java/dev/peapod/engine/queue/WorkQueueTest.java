package dev.peapod.engine.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class WorkQueueTest {

  private final WorkQueue queue = new WorkQueue(Duration.ofMillis(10), Duration.ofMillis(80), Clock.systemUTC());

  @Test
  void aNameAddedTwiceIsHandedOutOnce() throws Exception {
    queue.add("web");
    queue.add("web");
    queue.add("db");
    assertEquals(2, queue.depth());
    assertEquals(Optional.of("web"), queue.take());
    assertEquals(Optional.of("db"), queue.take());
    assertEquals(0, queue.depth());
  }

  @Test
  void aNameBeingWorkedOnIsNotHandedOutAgainUntilDone() throws Exception {
    queue.add("web");
    assertEquals(Optional.of("web"), queue.take());
    queue.add("web"); // an event while a worker has it
    CompletableFuture<Optional<String>> second = CompletableFuture.supplyAsync(() -> take(queue));
    Thread.sleep(50);
    assertTrue(!second.isDone(), "no second worker gets web while the first has it");
    queue.done("web");
    assertEquals(Optional.of("web"), second.get(2, TimeUnit.SECONDS), "it comes back once done");
  }

  @Test
  void aDelayedNameComesAfterItsDelayAndTheEarliestDelayWins() throws Exception {
    long start = System.nanoTime();
    queue.addAfter("web", Duration.ofSeconds(30));
    queue.addAfter("web", Duration.ofMillis(40));
    assertEquals(Optional.of("web"), queue.take());
    long tookMillis = (System.nanoTime() - start) / 1_000_000;
    assertTrue(tookMillis >= 39 && tookMillis < 5_000, "took " + tookMillis + " ms");
    queue.done("web");
    assertEquals(0, queue.depth(), "the later delay was dropped, not kept for another round");
  }

  @Test
  void backoffDoublesPerFailureUpToTheMaximumAndForgetStartsAgain() {
    assertEquals(Duration.ofMillis(10), queue.addRateLimited("web"));
    assertEquals(Duration.ofMillis(20), queue.addRateLimited("web"));
    assertEquals(Duration.ofMillis(40), queue.addRateLimited("web"));
    assertEquals(Duration.ofMillis(80), queue.addRateLimited("web"));
    assertEquals(Duration.ofMillis(80), queue.addRateLimited("web"));
    assertEquals(5, queue.failures("web"));
    queue.forget("web");
    assertEquals(Duration.ofMillis(10), queue.addRateLimited("web"));
    assertEquals(Duration.ofMillis(80), queue.backoff(Integer.MAX_VALUE), "no overflow");
  }

  @Test
  void addingNowCancelsAWait() throws Exception {
    queue.addAfter("web", Duration.ofSeconds(30));
    queue.add("web");
    assertEquals(Optional.of("web"), queue.take());
    queue.done("web");
    assertEquals(0, queue.depth());
  }

  @Test
  void shutDownWakesWaitingWorkers() throws Exception {
    CompletableFuture<Optional<String>> waiting = CompletableFuture.supplyAsync(() -> take(queue));
    Thread.sleep(30);
    queue.shutDown();
    assertEquals(Optional.empty(), waiting.get(2, TimeUnit.SECONDS));
  }

  @Test
  void aWorkerRetriesANameWhoseWorkFailedAfterItsBackoffAndStopsWithTheQueue() throws Exception {
    java.util.List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    Thread worker = new Thread(() -> queue.work(name -> {
      seen.add(name);
      if (seen.size() == 1) {
        throw new IllegalStateException("first try fails");
      }
    }, (name, e) -> failures.add(name + ": " + e.getMessage())));
    worker.start();
    queue.add("web");
    long deadline = System.currentTimeMillis() + 2000;
    while (seen.size() < 2 && System.currentTimeMillis() < deadline) {
      Thread.sleep(5);
    }
    assertEquals(java.util.List.of("web", "web"), seen);
    assertEquals(java.util.List.of("web: first try fails"), failures);
    queue.shutDown();
    worker.join(2000);
    assertTrue(!worker.isAlive(), "the worker returns once the queue is shut down");
  }

  private static Optional<String> take(WorkQueue queue) {
    try {
      return queue.take();
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }
}
