package dev.peapod.git;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.git.testing.Commands;
import dev.peapod.git.testing.GitDaemon;
import dev.peapod.git.testing.TestRepo;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GitMirror against Debian's git daemon on 127.0.0.1 (git://), one daemon for the class. */
class GitDaemonSyncTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(20);

  @TempDir
  static Path shared;
  static GitDaemon daemon;

  @TempDir
  Path tmp;

  @BeforeAll
  static void startDaemon() throws IOException {
    daemon = new GitDaemon(shared.resolve("served"));
  }

  @AfterAll
  static void stopDaemon() {
    daemon.close();
  }

  private TestRepo repo(String name) {
    return TestRepo.create(daemon.root(), tmp, name);
  }

  private GitMirror mirror(String name, GitRef ref, String path) {
    return new GitMirror(tmp.resolve("mirror-" + name), new GitSourceSpec(daemon.url(name), ref, path), TIMEOUT);
  }

  @Test
  void cloneThenNewCommitGivesNewRevisionAndKeepsTheOldOneUnchanged() throws Exception {
    TestRepo repo = repo("basic");
    String first = repo.write("pods/web.yaml", "name: web\n").commit("web").push().head();
    try (GitMirror mirror = mirror("basic", GitRef.branch("main"), "")) {
      GitRevision one = mirror.sync();
      assertEquals(first, one.commitId());
      assertEquals("main@sha1:" + first, one.display());
      assertEquals("name: web\n", Files.readString(one.root().resolve("pods/web.yaml")));

      String second = repo.write("pods/web.yaml", "name: web\nimage: v2\n").commit("v2").push().head();
      GitRevision two = mirror.sync();
      assertEquals(second, two.commitId());
      assertNotEquals(one.root(), two.root());
      assertEquals("name: web\nimage: v2\n", Files.readString(two.root().resolve("pods/web.yaml")));
      // A reader of the first revision still sees it as it was.
      assertEquals("name: web\n", Files.readString(one.root().resolve("pods/web.yaml")));
      assertEquals(two, mirror.current().orElseThrow());
    }
  }

  @Test
  void syncWithNothingChangedReturnsTheSameRevisionAndWritesNoSnapshot() throws Exception {
    TestRepo repo = repo("quiet");
    repo.write("a.yaml", "a\n").commit("a").push();
    try (GitMirror mirror = mirror("quiet", GitRef.branch("main"), "")) {
      GitRevision one = mirror.sync();
      List<Path> before = snapshots(tmp.resolve("mirror-quiet"));
      long modified = Files.getLastModifiedTime(one.root()).toMillis();
      Thread.sleep(20);
      GitRevision again = mirror.sync();
      assertSame(one, again);
      assertEquals(before, snapshots(tmp.resolve("mirror-quiet")));
      assertEquals(modified, Files.getLastModifiedTime(again.root()).toMillis());
    }
    // A new mirror object on the same directory (a restarted controller) reuses the snapshot.
    try (GitMirror restarted = mirror("quiet", GitRef.branch("main"), "")) {
      List<Path> before = snapshots(tmp.resolve("mirror-quiet"));
      GitRevision revision = restarted.sync();
      assertEquals(before, snapshots(tmp.resolve("mirror-quiet")));
      assertEquals("a\n", Files.readString(revision.root().resolve("a.yaml")));
    }
  }

  @Test
  void branchesAreFetchedShallow() throws Exception {
    TestRepo repo = repo("deep");
    for (int i = 0; i < 5; i++) {
      repo.write("n.yaml", "n: " + i + "\n").commit("commit " + i);
    }
    String head = repo.push().head();
    try (GitMirror mirror = mirror("deep", GitRef.branch("main"), "")) {
      mirror.sync();
    }
    Path mirrorRepo = tmp.resolve("mirror-deep/repo.git");
    assertTrue(Files.exists(mirrorRepo.resolve("shallow")), "a shallow clone records its boundary");
    assertEquals("1", Commands.run(mirrorRepo, "git", "rev-list", "--count", "refs/heads/main").strip());
    assertEquals(head + "\n", Files.readString(mirrorRepo.resolve("shallow")));
  }

  @Test
  void tagsAnnotatedAndLightweightGiveTheirCommit() throws Exception {
    TestRepo repo = repo("tags");
    String tagged = repo.write("app.yaml", "version: 1\n").commit("v1").tag("v1", true).tag("light", false).head();
    repo.write("app.yaml", "version: 2\n").commit("v2").push();
    try (GitMirror annotated = mirror("tags", GitRef.parse("tag:v1"), "");
        GitMirror light = new GitMirror(tmp.resolve("light"), new GitSourceSpec(daemon.url("tags"), GitRef.parse("refs/tags/light"), ""), TIMEOUT)) {
      GitRevision revision = annotated.sync();
      assertEquals(tagged, revision.commitId(), "the commit, not the tag object");
      assertEquals("v1@sha1:" + tagged, revision.display());
      assertEquals("version: 1\n", Files.readString(revision.root().resolve("app.yaml")));
      assertEquals(tagged, light.sync().commitId());
    }
  }

  @Test
  void aCommitIdThatIsNoLongerATipIsFetchedAndThenNeedsNoServer() throws Exception {
    GitDaemon own = new GitDaemon(tmp.resolve("own-served"));
    try {
      TestRepo repo = TestRepo.create(own.root(), tmp, "pinned");
      String old = repo.write("app.yaml", "old\n").commit("old").head();
      repo.write("app.yaml", "new\n").commit("new").push();
      GitSourceSpec spec = new GitSourceSpec(own.url("pinned"), GitRef.parse(old), "");
      try (GitMirror mirror = new GitMirror(tmp.resolve("mirror-pinned"), spec, TIMEOUT)) {
        GitRevision revision = mirror.sync();
        assertEquals(old, revision.commitId());
        assertEquals("sha1:" + old, revision.display());
        assertEquals("old\n", Files.readString(revision.root().resolve("app.yaml")));
        own.stop();
        // A commit never changes: with its objects here, no fetch is needed.
        assertEquals(revision, mirror.sync());
      }
    } finally {
      own.close();
    }
  }

  @Test
  void aCommitTheServerWillNotSendByIdIsFoundByAFullFetch() throws Exception {
    TestRepo repo = repo("oldproto");
    String old = repo.write("app.yaml", "old\n").commit("old").head();
    repo.write("app.yaml", "new\n").commit("new").push();
    // Protocol v0 (servers without v2) refuses a want that is not a branch or tag tip.
    Path mirrorRepo = tmp.resolve("mirror-oldproto/repo.git");
    Commands.run(null, "git", "init", "-q", "--bare", mirrorRepo.toString());
    Commands.run(mirrorRepo, "git", "config", "protocol.version", "0");
    try (GitMirror mirror = mirror("oldproto", GitRef.commit(old), "")) {
      GitRevision revision = mirror.sync();
      assertEquals(old, revision.commitId());
      assertEquals("old\n", Files.readString(revision.root().resolve("app.yaml")));
    }
    assertTrue(Commands.run(mirrorRepo, "git", "for-each-ref").contains("refs/peapod/all/heads/main"), "found through the branches");
  }

  @Test
  void aCommitThatIsNotInTheRepositoryIsReportedAsNotFound() throws Exception {
    repo("nocommit").write("a.yaml", "a\n").commit("a").push();
    String missing = "0123456789abcdef0123456789abcdef01234567";
    try (GitMirror mirror = mirror("nocommit", GitRef.commit(missing), "")) {
      GitSyncException e = assertThrows(GitSyncException.class, mirror::sync);
      assertEquals(GitSyncException.Reason.REF_NOT_FOUND, e.reason());
      assertTrue(e.getMessage().contains("commit " + missing + " not found in " + daemon.url("nocommit")), e.getMessage());
    }
  }

  @Test
  void aForcePushRewritingHistoryIsFollowed() throws Exception {
    TestRepo repo = repo("rewrite");
    String base = repo.write("app.yaml", "base\n").commit("base").head();
    String doomed = repo.write("app.yaml", "doomed\n").commit("doomed").push().head();
    try (GitMirror mirror = mirror("rewrite", GitRef.branch("main"), "")) {
      assertEquals(doomed, mirror.sync().commitId());
      String rewritten = repo.resetHard(base).write("app.yaml", "rewritten\n").commit("rewritten").forcePush().head();
      GitRevision revision = mirror.sync();
      assertEquals(rewritten, revision.commitId());
      assertEquals("rewritten\n", Files.readString(revision.root().resolve("app.yaml")));
    }
  }

  @Test
  void aPathInsideTheRepositoryIsTheRootAndNothingElseIsWritten() throws Exception {
    TestRepo repo = repo("paths");
    repo.write("prod/eu/web.yaml", "prod\n").write("staging/web.yaml", "staging\n").write("README.md", "hi\n").commit("x").push();
    try (GitMirror mirror = mirror("paths", GitRef.branch("main"), "./prod/eu/")) {
      GitRevision revision = mirror.sync();
      assertEquals("eu", revision.root().getFileName().toString());
      assertEquals("prod\n", Files.readString(revision.root().resolve("web.yaml")));
      Path snapshot = revision.root().getParent().getParent();
      try (Stream<Path> all = Files.walk(snapshot)) {
        assertEquals(List.of("prod/eu/web.yaml"), all.filter(Files::isRegularFile).map(p -> snapshot.relativize(p).toString()).toList());
      }
    }
  }

  @Test
  void aMissingPathNamesTheCommitAndThePath() throws Exception {
    String head = repo("nopath").write("prod/web.yaml", "x\n").commit("x").push().head();
    try (GitMirror mirror = mirror("nopath", GitRef.branch("main"), "staging")) {
      GitSyncException e = assertThrows(GitSyncException.class, mirror::sync);
      assertEquals(GitSyncException.Reason.PATH_NOT_FOUND, e.reason());
      assertEquals("path staging not found in commit " + head + " of " + daemon.url("nopath"), e.getMessage());
    }
    try (GitMirror mirror = mirror("nopath", GitRef.branch("main"), "prod/web.yaml")) {
      GitSyncException e = assertThrows(GitSyncException.class, mirror::sync);
      assertEquals(GitSyncException.Reason.PATH_NOT_FOUND, e.reason());
      assertTrue(e.getMessage().endsWith("is a file, not a directory"), e.getMessage());
    }
  }

  @Test
  void aBranchOrTagThatDoesNotExistIsReportedAsNotFound() throws Exception {
    repo("noref").write("a.yaml", "a\n").commit("a").push();
    try (GitMirror mirror = mirror("noref", GitRef.branch("nope"), "")) {
      GitSyncException e = assertThrows(GitSyncException.class, mirror::sync);
      assertEquals(GitSyncException.Reason.REF_NOT_FOUND, e.reason());
      assertEquals("branch nope not found in " + daemon.url("noref"), e.getMessage());
    }
    try (GitMirror mirror = mirror("noref", GitRef.tag("v9"), "")) {
      GitSyncException e = assertThrows(GitSyncException.class, mirror::sync);
      assertEquals("tag v9 not found in " + daemon.url("noref"), e.getMessage());
    }
  }

  @Test
  void aRepositoryThatDoesNotExistIsReportedAsSuch() {
    try (GitMirror mirror = mirror("absent", GitRef.branch("main"), "")) {
      GitSyncException e = assertThrows(GitSyncException.class, mirror::sync);
      assertEquals(GitSyncException.Reason.REPOSITORY_NOT_FOUND, e.reason(), e.getMessage());
      assertEquals("no git repository at " + daemon.url("absent"), e.getMessage());
    }
  }

  @Test
  void serverDownIsAClearErrorAndTheLastSnapshotStays() throws Exception {
    GitDaemon own = new GitDaemon(tmp.resolve("down-served"));
    try {
      TestRepo repo = TestRepo.create(own.root(), tmp, "down");
      repo.write("a.yaml", "a\n").commit("a").push();
      try (GitMirror mirror = new GitMirror(tmp.resolve("mirror-down"), new GitSourceSpec(own.url("down"), GitRef.branch("main"), ""), TIMEOUT)) {
        GitRevision good = mirror.sync();
        own.stop();
        GitSyncException e = assertThrows(GitSyncException.class, mirror::sync);
        assertEquals(GitSyncException.Reason.UNREACHABLE, e.reason());
        assertEquals("cannot reach " + own.url("down") + ": connection refused (is the git server running?)", e.getMessage());
        assertEquals("a\n", Files.readString(good.root().resolve("a.yaml")));
        assertEquals(good, mirror.current().orElseThrow());
        own.start();
        assertEquals(good, mirror.sync());
      }
    } finally {
      own.close();
    }
  }

  @Test
  void aServerThatNeverAnswersTimesOut() throws Exception {
    try (ServerSocket silent = new ServerSocket(0)) {
      List<Socket> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            accepted.add(silent.accept());
          }
        } catch (IOException closed) {
          // test over
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      String url = "git://127.0.0.1:" + silent.getLocalPort() + "/silent.git";
      try (GitMirror mirror = new GitMirror(tmp.resolve("mirror-silent"), new GitSourceSpec(url, GitRef.branch("main"), ""), Duration.ofSeconds(2))) {
        long start = System.nanoTime();
        GitSyncException e = assertThrows(GitSyncException.class, mirror::sync);
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        assertEquals(GitSyncException.Reason.TIMEOUT, e.reason(), e.getMessage());
        assertEquals("fetching branch main from " + url + " took longer than the timeout of 2s", e.getMessage());
        assertTrue(seconds < 10, "gave up after " + seconds + " s");
        // The hung fetch still holds the mirror's fetch thread: no second fetch piles up behind it.
        GitSyncException again = assertThrows(GitSyncException.class, mirror::sync);
        assertEquals(GitSyncException.Reason.TIMEOUT, again.reason());
        assertEquals("an earlier fetch from " + url + " timed out and is still waiting for the server: not starting another",
            again.getMessage());
      } finally {
        for (Socket socket : accepted) {
          socket.close(); // lets the hung fetch end
        }
      }
    }
  }

  @Test
  void onlyTheNewestTwoSnapshotsAreKept() throws Exception {
    TestRepo repo = repo("retention");
    List<GitRevision> revisions = new ArrayList<>();
    try (GitMirror mirror = mirror("retention", GitRef.branch("main"), "")) {
      for (int i = 0; i < 4; i++) {
        repo.write("a.yaml", "v" + i + "\n").commit("v" + i).push();
        revisions.add(mirror.sync());
      }
    }
    List<Path> left = snapshots(tmp.resolve("mirror-retention"));
    assertEquals(List.of(revisions.get(2).root(), revisions.get(3).root()).stream().sorted().toList(), left);
    assertFalse(Files.exists(revisions.get(0).root()));
  }

  static List<Path> snapshots(Path workDir) throws IOException {
    try (Stream<Path> entries = Files.list(workDir.resolve("snapshots"))) {
      return entries.filter(Files::isDirectory).sorted().toList();
    }
  }
}
