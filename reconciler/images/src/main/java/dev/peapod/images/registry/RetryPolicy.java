package dev.peapod.images.registry;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When and how long to wait before trying a registry request again.
 *
 * @param attempts total tries, first included
 * @param initialDelay wait before the second try; doubles after each failure
 * @param maxDelay cap on any one wait, also on a server's Retry-After
 */
public record RetryPolicy(int attempts, Duration initialDelay, Duration maxDelay) {
  /** 5 tries over about 6 seconds. */
  public static final RetryPolicy DEFAULT = new RetryPolicy(5, Duration.ofMillis(400), Duration.ofSeconds(5));
  /** Never retries; for tests that want the first failure. */
  public static final RetryPolicy NONE = new RetryPolicy(1, Duration.ZERO, Duration.ZERO);

  /**
   * The rule: a status is worth retrying when the server says it is overloaded or
   * briefly broken (429 Too Many Requests, any 5xx). 4xx otherwise means the request
   * itself is wrong, and asking again would get the same answer.
   */
  public boolean retryableStatus(int status) {
    return status == 429 || status >= 500;
  }

  /**
   * Network failures — refused or reset connections, timeouts, a stream cut short — are
   * worth retrying; an interrupt means someone wants us to stop; a host name that does not
   * resolve or a failed TLS handshake will be the same on the next try
   * ({@link NetworkFailure#permanent}).
   */
  public boolean retryable(IOException e) {
    return (!(e instanceof InterruptedIOException) || e instanceof SocketTimeoutException)
        && !NetworkFailure.permanent(e);
  }

  /** The wait before try {@code nextAttempt} (2-based), honouring Retry-After seconds when given. */
  public Duration delay(int nextAttempt, String retryAfter) {
    if (retryAfter != null && retryAfter.strip().matches("\\d{1,6}")) {
      return min(Duration.ofSeconds(Long.parseLong(retryAfter.strip())), maxDelay);
    }
    long base = initialDelay.toMillis() << Math.min(nextAttempt - 2, 16);
    long jitter = base == 0 ? 0 : ThreadLocalRandom.current().nextLong(base / 4 + 1); // spreads out clients that failed together
    return min(Duration.ofMillis(base + jitter), maxDelay);
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
