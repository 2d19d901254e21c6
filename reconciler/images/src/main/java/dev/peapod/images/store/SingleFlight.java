package dev.peapod.images.store;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

/**
 * Runs one computation per key at a time within this JVM; callers that arrive while it
 * runs wait for and share its result (or its exception). Across processes the callers
 * use {@link StoreLocks} as well.
 */
public final class SingleFlight<K, V> {
  /** A computation that may throw. */
  @FunctionalInterface
  public interface Work<V> {
    V run() throws Exception;
  }

  private final ConcurrentHashMap<K, CompletableFuture<V>> running = new ConcurrentHashMap<>();

  public V run(K key, Work<V> work) throws Exception {
    CompletableFuture<V> mine = new CompletableFuture<>();
    CompletableFuture<V> existing = running.putIfAbsent(key, mine);
    if (existing != null) {
      return join(existing);
    }
    try {
      V value = work.run();
      mine.complete(value);
      return value;
    } catch (Throwable e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      running.remove(key, mine);
    }
  }

  private static <V> V join(CompletableFuture<V> future) throws Exception {
    try {
      return future.get();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof Exception ex) {
        throw ex;
      }
      throw new CompletionException(cause);
    }
  }
}
