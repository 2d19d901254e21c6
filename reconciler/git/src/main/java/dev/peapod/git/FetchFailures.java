package dev.peapod.git;

import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Pattern;
import org.eclipse.jgit.errors.NoRemoteRepositoryException;
import org.eclipse.jgit.errors.UnsupportedCredentialItem;
import org.eclipse.jgit.transport.URIish;

/**
 * Turns what JGit throws while fetching into a {@link GitSyncException} whose message says in
 * words what happened, with the source's URL. JGit's own exceptions carry the facts partly in their
 * types and partly in their messages; the rules below read both, most specific first.
 */
final class FetchFailures {
  private FetchFailures() {}

  /** An HTTP status that refuses credentials, as a word of its own (not the digits of a port). */
  private static final Pattern HTTP_REFUSAL = Pattern.compile("(?<![\\w.:])40[13](?![\\w.])");

  static GitSyncException translate(Throwable failure, GitSourceSpec spec, String what, Deadline deadline,
      String hostKeyRejection) {
    String url = spec.url();
    if (hostKeyRejection != null) {
      return new GitSyncException(GitSyncException.Reason.HOST_KEY_REJECTED, url + ": " + hostKeyRejection, failure);
    }
    if (deadline.expired() || has(failure, java.util.concurrent.TimeoutException.class) || has(failure, SocketTimeoutException.class) || has(failure, InterruptedIOException.class)
        || text(failure).contains("timed out")) {
      return new GitSyncException(GitSyncException.Reason.TIMEOUT,
          "fetching " + what + " from " + url + " took longer than the timeout of " + deadline.timeout().toSeconds() + "s", failure);
    }
    if (has(failure, UnknownHostException.class)) {
      return new GitSyncException(GitSyncException.Reason.UNREACHABLE,
          "cannot reach " + url + ": unknown host " + host(url), failure);
    }
    if (has(failure, ConnectException.class) || has(failure, NoRouteToHostException.class)
        || text(failure).contains("connection refused")) {
      return new GitSyncException(GitSyncException.Reason.UNREACHABLE,
          "cannot reach " + url + ": connection refused (is the git server running?)", failure);
    }
    // The URL is left out of the text the rules read: JGit puts it in most messages, and a port
    // such as 40319 or a repository named "not-found" would otherwise match a rule below.
    String text = withoutUrl(text(failure), url);
    if (text.contains("remote does not have") || text.contains("not our ref") || text.contains("want") && text.contains("not valid")) {
      return new GitSyncException(GitSyncException.Reason.REF_NOT_FOUND, what + " not found in " + url, failure);
    }
    if (has(failure, UnsupportedCredentialItem.class) || text.contains("not authorized") || text.contains("authentication")
        || text.contains("auth fail") || HTTP_REFUSAL.matcher(text).find() || text.contains("permission denied")
        || text.contains("no more authentication methods") || text.contains("credentialsprovider")) {
      return new GitSyncException(GitSyncException.Reason.AUTH_FAILED,
          url + ": authentication failed (" + spec.credentials() + "): the server refused the credentials"
              + (spec.credentials() == GitCredentials.none() ? " or needs some" : ""), failure);
    }
    if (has(failure, NoRemoteRepositoryException.class) || text.contains("repository not found") || text.contains("not found")
        || text.contains("not exported") || text.contains("no such repository") || text.contains("does not appear to be a git repository")) {
      return new GitSyncException(GitSyncException.Reason.REPOSITORY_NOT_FOUND, "no git repository at " + url, failure);
    }
    return new GitSyncException(GitSyncException.Reason.FAILED,
        "fetching " + what + " from " + url + " failed: " + describe(failure), failure);
  }

  /** The innermost message that says something, without JGit's "url: " prefix. */
  static String describe(Throwable failure) {
    String best = null;
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        best = t.getMessage();
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return best == null ? "an unexpected error without a message" : best.strip();
  }

  private static String text(Throwable failure) {
    StringBuilder all = new StringBuilder();
    for (Throwable t = failure; t != null && t.getCause() != t; t = t.getCause()) {
      if (t.getMessage() != null) {
        all.append(t.getMessage()).append('\n');
      }
    }
    return all.toString().toLowerCase(Locale.ROOT);
  }

  private static String withoutUrl(String text, String url) {
    String lower = url.toLowerCase(Locale.ROOT);
    String stripped = text.replace(lower, "<url>");
    // JGit also names the remote without a trailing ".git" or slash in some messages.
    String bare = lower.replaceAll("(\\.git)?/*$", "");
    return bare.isEmpty() ? stripped : stripped.replace(bare, "<url>");
  }

  private static boolean has(Throwable failure, Class<? extends Throwable> type) {
    for (Throwable t = failure; t != null && t.getCause() != t; t = t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  private static String host(String url) {
    try {
      return new URIish(url).getHost();
    } catch (java.net.URISyntaxException e) {
      return url;
    }
  }
}
