package dev.peapod.git;

import java.time.Duration;
import org.eclipse.jgit.lib.EmptyProgressMonitor;

/**
 * The end of one sync. JGit only knows an I/O inactivity timeout; as its progress monitor this
 * also cancels a fetch that keeps trickling data past the whole sync's timeout.
 */
final class Deadline extends EmptyProgressMonitor {
  private final Duration timeout;
  private final long endNanos;

  Deadline(Duration timeout) {
    this.timeout = timeout;
    this.endNanos = System.nanoTime() + timeout.toNanos();
  }

  boolean expired() {
    return System.nanoTime() - endNanos > 0;
  }

  Duration timeout() {
    return timeout;
  }

  long remainingNanos() {
    return Math.max(0, endNanos - System.nanoTime());
  }

  /** Seconds left, at least 1: JGit's I/O timeout for the next connection. */
  int remainingSeconds() {
    long left = (endNanos - System.nanoTime()) / 1_000_000_000L;
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, left));
  }

  @Override
  public boolean isCancelled() {
    return expired();
  }

  @Override
  public void update(int completed) {
    // nothing to show; isCancelled is what matters
  }
}
