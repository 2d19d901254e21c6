package dev.peapod.git;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.git.testing.Commands;
import dev.peapod.git.testing.GitDaemon;
import dev.peapod.git.testing.TestRepo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repository belongs to someone else: each test pushes an attack through a real git daemon and
 * checks that a reader of the snapshot (the manifest loader walks it and reads every *.yaml) gets
 * nothing from outside the snapshot, and that the disk cannot be filled.
 */
class HostileRepositoryTest {
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

  private GitMirror mirror(String name, String path, SnapshotLimits limits) {
    return new GitMirror(tmp.resolve("mirror-" + name), new GitSourceSpec(daemon.url(name), GitRef.branch("main"), path), TIMEOUT, limits);
  }

  @Test
  void symbolicLinksOutOfTheRepositoryAreNeverMaterialised() throws Exception {
    TestRepo repo = TestRepo.create(daemon.root(), tmp, "links");
    repo.write("pods/real.yaml", "name: real\n")
        .symlink("pods/shadow.yaml", "/etc/shadow")
        .symlink("pods/passwd.yaml", "../../../../../../../../etc/passwd")
        .symlink("pods/etc", "/etc")
        .symlink("pods/sibling.yaml", "real.yaml")
        .commit("links").push();
    try (GitMirror mirror = mirror("links", "", SnapshotLimits.DEFAULT)) {
      GitRevision revision = mirror.sync();
      Path pods = revision.root().resolve("pods");
      for (String name : List.of("shadow.yaml", "passwd.yaml", "etc", "sibling.yaml")) {
        assertFalse(Files.exists(pods.resolve(name), LinkOption.NOFOLLOW_LINKS), name + " must not exist in the snapshot");
      }
      // What the manifest loader does: walk, keep regular files, read the YAML ones.
      try (Stream<Path> walk = Files.walk(revision.root())) {
        List<Path> all = walk.toList();
        assertTrue(all.stream().noneMatch(Files::isSymbolicLink), "no symbolic link anywhere: " + all);
        List<String> yaml = all.stream().filter(Files::isRegularFile).filter(p -> p.toString().endsWith(".yaml"))
            .map(HostileRepositoryTest::read).toList();
        assertEquals(List.of("name: real\n"), yaml);
      }
      assertEquals(List.of(
          "pods/etc: symbolic link (to /etc) not materialised",
          "pods/passwd.yaml: symbolic link (to ../../../../../../../../etc/passwd) not materialised",
          "pods/shadow.yaml: symbolic link (to /etc/shadow) not materialised",
          "pods/sibling.yaml: symbolic link (to real.yaml) not materialised"), revision.skipped());
    }
  }

  @Test
  void aSourcePathThatIsASymbolicLinkIsRefused() throws Exception {
    TestRepo repo = TestRepo.create(daemon.root(), tmp, "linkedpath");
    String head = repo.write("real/a.yaml", "a\n").symlink("prod", "/etc").commit("x").push().head();
    try (GitMirror mirror = mirror("linkedpath", "prod", SnapshotLimits.DEFAULT)) {
      GitSyncException e = assertThrows(GitSyncException.class, mirror::sync);
      assertEquals(GitSyncException.Reason.PATH_NOT_FOUND, e.reason());
      assertEquals("path prod in commit " + head + " of " + daemon.url("linkedpath") + " is a symbolic link, not a directory", e.getMessage());
    }
    try (GitMirror mirror = mirror("linkedpath", "prod/ssh", SnapshotLimits.DEFAULT)) {
      GitSyncException e = assertThrows(GitSyncException.class, mirror::sync);
      assertEquals(GitSyncException.Reason.PATH_NOT_FOUND, e.reason(), "not followed through the link: " + e.getMessage());
    }
  }

  @Test
  void aTreeEntryNamedDotDotIsRefused() throws Exception {
    TestRepo repo = TestRepo.create(daemon.root(), tmp, "dotdot");
    repo.write("a.yaml", "a\n").commit("a").push();
    String commit = craftCommit(repo.bare(), "100644 blob %s\t..\n100644 blob %<s\tok.yaml\n");
    try (GitMirror mirror = mirror("dotdot", "", SnapshotLimits.DEFAULT)) {
      GitSyncException e = assertThrows(GitSyncException.class, mirror::sync);
      assertEquals(GitSyncException.Reason.REJECTED_CONTENT, e.reason());
      assertEquals("commit " + commit + " contains an entry named \"..\" at .., which could escape the snapshot: refused", e.getMessage());
      assertEquals(List.of(), leftovers(tmp.resolve("mirror-dotdot")));
    }
  }

  @Test
  void aTreeNamingOneFileTwiceIsRefused() throws Exception {
    TestRepo repo = TestRepo.create(daemon.root(), tmp, "twice");
    repo.write("a.yaml", "a\n").commit("a").push();
    String commit = craftCommit(repo.bare(), "100644 blob %s\tpod.yaml\n100644 blob %<s\tpod.yaml\n");
    try (GitMirror mirror = mirror("twice", "", SnapshotLimits.DEFAULT)) {
      GitSyncException e = assertThrows(GitSyncException.class, mirror::sync);
      assertEquals(GitSyncException.Reason.REJECTED_CONTENT, e.reason());
      assertEquals("commit " + commit + " names pod.yaml twice (a malformed tree): refused", e.getMessage());
    }
  }

  @Test
  void aCommitLargerThanTheSizeLimitIsRefusedAndTheLastGoodSnapshotStays() throws Exception {
    TestRepo repo = TestRepo.create(daemon.root(), tmp, "big");
    repo.write("small.yaml", "small\n").commit("small").push();
    try (GitMirror mirror = mirror("big", "", new SnapshotLimits(1024, 100))) {
      GitRevision good = mirror.sync();
      String big = repo.write("big.yaml", "x".repeat(2000)).commit("big").push().head();
      GitSyncException e = assertThrows(GitSyncException.class, mirror::sync);
      assertEquals(GitSyncException.Reason.REJECTED_CONTENT, e.reason());
      assertEquals("commit " + big + " holds more than 1024 bytes of files (the snapshot limit), at big.yaml (2000 bytes)", e.getMessage());
      assertEquals(good, mirror.current().orElseThrow());
      assertEquals("small\n", Files.readString(good.root().resolve("small.yaml")));
      assertEquals(List.of(good.root()), GitDaemonSyncTest.snapshots(tmp.resolve("mirror-big")));
    }
  }

  @Test
  void aCommitWithMoreFilesThanTheLimitIsRefused() throws Exception {
    TestRepo repo = TestRepo.create(daemon.root(), tmp, "many");
    for (int i = 0; i < 20; i++) {
      repo.write("pods/p" + i + ".yaml", "p\n");
    }
    String head = repo.commit("many").push().head();
    try (GitMirror mirror = mirror("many", "", new SnapshotLimits(1 << 20, 10))) {
      GitSyncException e = assertThrows(GitSyncException.class, mirror::sync);
      assertEquals(GitSyncException.Reason.REJECTED_CONTENT, e.reason());
      assertTrue(e.getMessage().startsWith("commit " + head + " has more than 10 files and directories (the snapshot limit), at pods/"), e.getMessage());
      assertEquals(List.of(), leftovers(tmp.resolve("mirror-many")));
    }
  }

  @Test
  void submodulesAreNotFetched() throws Exception {
    TestRepo other = TestRepo.create(daemon.root(), tmp, "other");
    String otherHead = other.write("secret.yaml", "from another repository\n").commit("other").push().head();
    TestRepo repo = TestRepo.create(daemon.root(), tmp, "withsub");
    repo.write("pods/a.yaml", "a\n")
        .write(".gitmodules", "[submodule \"sub\"]\n\tpath = pods/sub\n\turl = " + daemon.url("other") + "\n");
    repo.git("add", "pods/a.yaml", ".gitmodules");
    repo.git("update-index", "--add", "--cacheinfo", "160000," + otherHead + ",pods/sub");
    repo.git("commit", "-q", "-m", "with submodule"); // not commit(): add -A would drop the gitlink
    repo.push();
    try (GitMirror mirror = mirror("withsub", "", SnapshotLimits.DEFAULT)) {
      GitRevision revision = mirror.sync();
      assertFalse(Files.exists(revision.root().resolve("pods/sub"), LinkOption.NOFOLLOW_LINKS));
      assertEquals(List.of("pods/sub: submodule (commit " + otherHead + ") not fetched"), revision.skipped());
      assertEquals("a\n", Files.readString(revision.root().resolve("pods/a.yaml")));
    }
  }

  /** Makes main of the bare repository a commit whose root tree is {@code treeFormat} with a blob id; returns its id. */
  private static String craftCommit(Path bare, String treeFormat) throws IOException {
    Path blobFile = Files.createTempFile("blob", ".txt");
    Files.writeString(blobFile, "payload\n");
    String blob = Commands.run(bare, "git", "hash-object", "-w", blobFile.toString()).strip();
    Path treeFile = Files.createTempFile("tree", ".txt");
    Files.writeString(treeFile, treeFormat.formatted(blob));
    String tree = Commands.run(bare, Map.of(), List.of("sh", "-c", "git mktree < " + treeFile)).strip();
    String commit = Commands.run(bare, Map.of("GIT_AUTHOR_NAME", "a", "GIT_AUTHOR_EMAIL", "a@b", "GIT_COMMITTER_NAME", "a",
        "GIT_COMMITTER_EMAIL", "a@b"), List.of("git", "commit-tree", tree, "-m", "crafted")).strip();
    Commands.run(bare, "git", "update-ref", "refs/heads/main", commit);
    return commit;
  }

  /** Entries of the snapshots directory other than completed snapshots (and their .skipped files). */
  private static List<String> leftovers(Path workDir) throws IOException {
    try (Stream<Path> entries = Files.list(workDir.resolve("snapshots"))) {
      return entries.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")).toList();
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
