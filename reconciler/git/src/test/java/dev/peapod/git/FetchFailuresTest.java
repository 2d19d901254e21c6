package dev.peapod.git;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.eclipse.jgit.api.errors.TransportException;
import org.eclipse.jgit.errors.NoRemoteRepositoryException;
import org.eclipse.jgit.transport.URIish;
import org.junit.jupiter.api.Test;

/**
 * The rules that read JGit's messages must read what the server said, not the URL JGit quotes:
 * CI once saw a git daemon on port 40319 report a missing repository, read as an HTTP 403.
 */
class FetchFailuresTest {
  private static final Deadline LATER = new Deadline(Duration.ofMinutes(5));

  @Test
  void aPortWhoseDigitsLookLikeAnHttpStatusIsNotARefusal() throws Exception {
    for (String url : new String[] {"git://127.0.0.1:40319/absent.git", "git://127.0.0.1:14012/absent.git",
        "http://127.0.0.1:4031/absent.git"}) {
      GitSyncException e = translate(new NoRemoteRepositoryException(new URIish(url), "not found."), url);
      assertEquals(GitSyncException.Reason.REPOSITORY_NOT_FOUND, e.reason(), url + ": " + e.getMessage());
    }
  }

  @Test
  void aRepositoryNamedLikeAnErrorIsReadByWhatTheServerSaid() throws Exception {
    String url = "git://127.0.0.1:9418/team-403/not-authorized.git";
    GitSyncException e = translate(new NoRemoteRepositoryException(new URIish(url), "not found."), url);
    assertEquals(GitSyncException.Reason.REPOSITORY_NOT_FOUND, e.reason(), e.getMessage());
  }

  @Test
  void anHttpRefusalIsStillAnAuthenticationFailure() throws Exception {
    String url = "http://127.0.0.1:40319/private.git";
    for (String said : new String[] {"403 Forbidden", "Unexpected HTTP status 401"}) {
      GitSyncException e = translate(
          new TransportException(url + ": " + said, new org.eclipse.jgit.errors.TransportException(new URIish(url), said)), url);
      assertEquals(GitSyncException.Reason.AUTH_FAILED, e.reason(), said + ": " + e.getMessage());
    }
  }

  private static GitSyncException translate(Exception failure, String url) {
    return FetchFailures.translate(failure, new GitSourceSpec(url, GitRef.branch("main"), "", GitCredentials.none()), "branch main",
        LATER, null);
  }
}
