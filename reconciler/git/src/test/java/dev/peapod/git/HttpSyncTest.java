package dev.peapod.git;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.peapod.git.testing.HttpGitServer;
import dev.peapod.git.testing.TestRepo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GitMirror over the smart HTTP protocol: Debian's git http-backend run by lighttpd on 127.0.0.1,
 * anonymous, behind basic auth, and behind a bearer-token check.
 */
class HttpSyncTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  private static final String PASSWORD = "s3cret-pw";
  private static final String TOKEN = "ghp_0123456789abcdefTOKEN";

  @TempDir
  static Path shared;
  static HttpGitServer server;
  static String head;

  @TempDir
  Path tmp;

  @BeforeAll
  static void start() throws IOException {
    Path repos = shared.resolve("repos");
    Files.createDirectories(repos);
    TestRepo repo = TestRepo.create(repos, shared, "app");
    head = repo.write("pods/web.yaml", "name: web\n").commit("web").push().head();
    server = new HttpGitServer(shared.resolve("lighttpd"), repos,
        List.of("alice:" + PASSWORD, "x-access-token:" + TOKEN), TOKEN);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private GitRevision sync(String space, GitCredentials credentials) throws GitSyncException {
    GitSourceSpec spec = new GitSourceSpec(server.url(space, "app"), GitRef.branch("main"), "pods", credentials);
    try (GitMirror mirror = new GitMirror(tmp.resolve("mirror-" + space), spec, TIMEOUT)) {
      return mirror.sync();
    }
  }

  private Path secret(String name, String content) throws IOException {
    return Files.writeString(tmp.resolve(name), content);
  }

  @Test
  void anonymousHttpWorks() throws Exception {
    GitRevision revision = sync("git", GitCredentials.none());
    assertEquals(head, revision.commitId());
    assertEquals("name: web\n", Files.readString(revision.root().resolve("web.yaml")));
  }

  @Test
  void basicAuthWithTheRightCredentialsWorks() throws Exception {
    GitRevision revision = sync("basic", GitCredentials.basic(secret("creds", "alice:" + PASSWORD + "\n")));
    assertEquals(head, revision.commitId());
    assertEquals("name: web\n", Files.readString(revision.root().resolve("web.yaml")));
  }

  @Test
  void basicAuthWithAWrongPasswordIsAnAuthErrorWithoutTheSecret() throws Exception {
    Path creds = secret("creds", "alice:wrong-password\n");
    GitSyncException e = assertThrows(GitSyncException.class, () -> sync("basic", GitCredentials.basic(creds)));
    assertEquals(GitSyncException.Reason.AUTH_FAILED, e.reason(), e.getMessage());
    assertEquals(server.url("basic", "app") + ": authentication failed (username and password from " + creds
        + "): the server refused the credentials", e.getMessage());
    assertFalse(e.getMessage().contains("wrong-password"));
  }

  @Test
  void noCredentialsWhereTheServerWantsSomeIsAnAuthError() {
    GitSyncException e = assertThrows(GitSyncException.class, () -> sync("basic", GitCredentials.none()));
    assertEquals(GitSyncException.Reason.AUTH_FAILED, e.reason(), e.getMessage());
    assertEquals(server.url("basic", "app") + ": authentication failed (no credentials): the server refused the credentials or needs some",
        e.getMessage());
  }

  @Test
  void aTokenIsSentAsTheBasicPasswordOfXAccessToken() throws Exception {
    GitRevision revision = sync("basic", GitCredentials.token(secret("token", TOKEN + "\n")));
    assertEquals(head, revision.commitId());
  }

  @Test
  void aBearerTokenWorksAndAWrongOneIsAnAuthError() throws Exception {
    assertEquals(head, sync("bearer", GitCredentials.bearerToken(secret("token", TOKEN + "\n"))).commitId());
    Path wrong = secret("wrong", "not-the-token");
    GitSyncException e = assertThrows(GitSyncException.class, () -> sync("bearer", GitCredentials.bearerToken(wrong)));
    assertEquals(GitSyncException.Reason.AUTH_FAILED, e.reason(), e.getMessage());
    assertFalse(e.getMessage().contains("not-the-token"));
  }

  @Test
  void aMissingOrMalformedCredentialsFileIsNamed() throws Exception {
    Path missing = tmp.resolve("nope");
    GitSyncException e = assertThrows(GitSyncException.class, () -> sync("basic", GitCredentials.basic(missing)));
    assertEquals(GitSyncException.Reason.CREDENTIALS_UNREADABLE, e.reason());
    assertEquals("credentials file " + missing + " does not exist", e.getMessage());
    Path noColon = secret("nocolon", "alice\n");
    e = assertThrows(GitSyncException.class, () -> sync("basic", GitCredentials.basic(noColon)));
    assertEquals("credentials file " + noColon + ": the first line must be username:password", e.getMessage());
  }
}
