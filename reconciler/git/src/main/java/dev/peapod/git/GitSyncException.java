package dev.peapod.git;

/**
 * A sync of a git source failed. The message says in words what went wrong and names the source
 * (its URL, ref, path or commit), so it can be shown to people as is; {@link #reason()} says the
 * kind of failure for status conditions and retry decisions. A failed sync changes no snapshot: the
 * last good revision stays where it was.
 */
public final class GitSyncException extends Exception {
  /** What kind of failure this is. */
  public enum Reason {
    /** The server could not be reached: refused, unknown host, network down. Retryable. */
    UNREACHABLE(true),
    /** The server refused the credentials, or needs some and none were given. */
    AUTH_FAILED(false),
    /** The ssh server's host key is not in known_hosts, or differs from the one there. */
    HOST_KEY_REJECTED(false),
    /** No such repository at the URL. */
    REPOSITORY_NOT_FOUND(false),
    /** The branch, tag or commit is not in the repository. */
    REF_NOT_FOUND(false),
    /** The sync took longer than its timeout. Retryable. */
    TIMEOUT(true),
    /** The spec's path is not a directory in the revision. */
    PATH_NOT_FOUND(false),
    /** The revision exceeds the snapshot limits (size, number of files), or holds a name that cannot be written safely. */
    REJECTED_CONTENT(false),
    /** A credentials file could not be read or is malformed. */
    CREDENTIALS_UNREADABLE(false),
    /** Anything else: the server broke off, the local disk failed. Retryable. */
    FAILED(true);

    private final boolean retryable;

    Reason(boolean retryable) {
      this.retryable = retryable;
    }

    /** Whether trying again soon may succeed without anyone changing anything. */
    public boolean retryable() {
      return retryable;
    }
  }

  private final Reason reason;

  public GitSyncException(Reason reason, String message) {
    this(reason, message, null);
  }

  public GitSyncException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
