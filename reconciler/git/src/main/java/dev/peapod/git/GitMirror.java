package dev.peapod.git;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.eclipse.jgit.api.FetchCommand;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.SubmoduleConfig.FetchRecurseSubmodulesMode;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevObject;
import org.eclipse.jgit.revwalk.RevTag;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.TagOpt;
import org.eclipse.jgit.treewalk.TreeWalk;

/**
 * Peapod's own mirror of one git source, under a directory that belongs to it alone:
 * <pre>
 *   WORKDIR/repo.git/                 bare repository, fetched into (never a working tree)
 *   WORKDIR/snapshots/SHA[-PATHHASH]/ one revision's files; the revision's root is SPEC.PATH inside it
 *   WORKDIR/snapshots/NAME.skipped    what that snapshot left out (symlinks, submodules)
 *   WORKDIR/lock                      held during a sync, so two processes never sync one mirror at once
 * </pre>
 *
 * <p>{@link #sync()} fetches the ref (shallow, depth 1, for a branch or tag; a commit already
 * present is not fetched at all, one that is not is asked for by id and, where the server refuses
 * that, found by a full fetch), and materialises the commit as a snapshot directory written under a
 * temporary name and renamed into place, so a reader never sees a half-written revision and a
 * revision never changes under its reader. A sync whose commit is the current one fetches and
 * returns the same {@link GitRevision}. The newest two snapshots are kept; older ones are deleted.
 * A failed sync leaves every snapshot as it was.
 *
 * <p>The repository is someone else's and is treated as hostile: see {@link SnapshotLimits} and
 * {@link GitRevision#root()} (no symbolic links, no submodules, bounded size and file count).
 *
 * <p>One sync at a time per mirror ({@code sync} is synchronized; the lock file covers other
 * processes). Not for concurrent use of two instances on one work directory in one JVM.
 */
public final class GitMirror implements AutoCloseable {
  private static final String TMP_PREFIX = ".tmp-";
  private static final String SKIPPED_SUFFIX = ".skipped";
  /** Where a followed commit is pinned in the mirror, so its objects are kept. */
  private static final String COMMIT_REF = "refs/peapod/commit";

  private final Path workDir;
  private final Path snapshotsDir;
  private final GitSourceSpec spec;
  private final Duration timeout;
  private final SnapshotLimits limits;
  private final Authentication authentication;
  private final ThreadPoolExecutor fetchThread;
  private Repository repository;
  private Future<?> inFlight;
  private GitRevision current;
  private boolean closed;

  /**
   * @param workDir a directory for this source alone (created if missing, mode 0700)
   * @param timeout for one whole sync: connecting, fetching and writing the snapshot
   */
  public GitMirror(Path workDir, GitSourceSpec spec, Duration timeout) {
    this(workDir, spec, timeout, SnapshotLimits.DEFAULT);
  }

  public GitMirror(Path workDir, GitSourceSpec spec, Duration timeout, SnapshotLimits limits) {
    this.workDir = Objects.requireNonNull(workDir, "workDir").toAbsolutePath();
    this.spec = Objects.requireNonNull(spec, "spec");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    this.limits = Objects.requireNonNull(limits, "limits");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("git sync timeout must be positive: " + timeout);
    }
    this.snapshotsDir = this.workDir.resolve("snapshots");
    this.authentication = new Authentication(spec.credentials(), this.workDir.resolve("ssh"));
    this.fetchThread = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), task -> {
      Thread thread = new Thread(task, "peapod-git-fetch " + spec.url());
      thread.setDaemon(true);
      return thread;
    });
    fetchThread.allowCoreThreadTimeOut(true);
  }

  public GitSourceSpec spec() {
    return spec;
  }

  /** The revision the last successful sync returned, if any. */
  public synchronized Optional<GitRevision> current() {
    return Optional.ofNullable(current);
  }

  /**
   * Fetches the spec's ref and makes its commit available as a snapshot.
   *
   * @throws GitSyncException with a message in words when the server, the credentials, the ref,
   *     the path or the content are not as needed; the snapshots are then unchanged
   */
  public synchronized GitRevision sync() throws GitSyncException {
    if (closed) {
      throw new IllegalStateException("git mirror of " + spec.describe() + " is closed");
    }
    Deadline deadline = new Deadline(timeout);
    try {
      createPrivateDirectory(workDir);
      Files.createDirectories(snapshotsDir);
      try (FileChannel lockFile = FileChannel.open(workDir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock lock = lock(lockFile, deadline)) {
        Repository repo = repository();
        RevCommit commit = fetch(repo, deadline);
        return materialise(repo, commit, deadline);
      }
    } catch (IOException e) {
      throw new GitSyncException(GitSyncException.Reason.FAILED, "git source " + spec.describe()
          + ": reading or writing " + workDir + " failed: " + FetchFailures.describe(e), e);
    }
  }

  private RevCommit fetch(Repository repo, Deadline deadline) throws GitSyncException, IOException {
    GitRef ref = spec.ref();
    if (ref instanceof GitRef.Branch branch) {
      return fetchRef(repo, branch.refName(), "branch " + branch.name(), deadline);
    }
    if (ref instanceof GitRef.Tag tag) {
      return fetchRef(repo, tag.refName(), "tag " + tag.name(), deadline);
    }
    return fetchCommit(repo, ObjectId.fromString(((GitRef.Commit) ref).sha()), deadline);
  }

  private RevCommit fetchRef(Repository repo, String refName, String what, Deadline deadline)
      throws GitSyncException, IOException {
    RefSpec refSpec = new RefSpec("+" + refName + ":" + refName);
    shallowFetch(repo, what, deadline, fetch -> fetch.setRefSpecs(refSpec));
    Ref ref = repo.exactRef(refName);
    if (ref == null) {
      throw new GitSyncException(GitSyncException.Reason.REF_NOT_FOUND, what + " not found in " + spec.url());
    }
    return commitOf(repo, ref.getObjectId(), what);
  }

  private RevCommit fetchCommit(Repository repo, ObjectId id, Deadline deadline) throws GitSyncException, IOException {
    String what = "commit " + id.name();
    if (!isComplete(repo, id)) {
      try {
        // Servers that allow it (protocol v2, uploadpack.allowReachableSHA1InWant) send just this commit.
        shallowFetch(repo, what, deadline, fetch -> fetch.setRefSpecs(new RefSpec(id.name() + ":" + COMMIT_REF)));
      } catch (GitSyncException refused) {
        if (refused.reason() != GitSyncException.Reason.REF_NOT_FOUND && refused.reason() != GitSyncException.Reason.FAILED) {
          throw refused;
        }
      }
      if (!isComplete(repo, id)) {
        // Otherwise the commit can only be found in the history of the branches and tags.
        boolean shallow = !repo.getObjectDatabase().getShallowCommits().isEmpty();
        runFetch(repo, what, deadline, fetch -> fetch
            .setRefSpecs(new RefSpec("+refs/heads/*:refs/peapod/all/heads/*"), new RefSpec("+refs/tags/*:refs/peapod/all/tags/*"))
            .setUnshallow(shallow));
      }
      if (!isComplete(repo, id)) {
        throw new GitSyncException(GitSyncException.Reason.REF_NOT_FOUND,
            what + " not found in " + spec.url() + " (neither fetchable by id nor in any branch or tag)");
      }
    }
    RevCommit commit = commitOf(repo, id, what);
    RefUpdate pin = repo.updateRef(COMMIT_REF);
    pin.setNewObjectId(id);
    pin.setForceUpdate(true);
    pin.update();
    return commit;
  }

  /** Whether the commit and its whole tree are here (a shallow fetch brings exactly that). */
  private static boolean isComplete(Repository repo, ObjectId id) throws IOException {
    try (RevWalk walk = new RevWalk(repo); TreeWalk tree = new TreeWalk(repo)) {
      RevObject object = walk.parseAny(id);
      if (!(object instanceof RevCommit commit)) {
        return false;
      }
      tree.reset(commit.getTree());
      tree.setRecursive(true);
      ObjectReader reader = tree.getObjectReader();
      while (tree.next()) {
        if (tree.getFileMode(0) != FileMode.GITLINK && !reader.has(tree.getObjectId(0))) {
          return false;
        }
      }
      return true;
    } catch (MissingObjectException missing) {
      return false;
    }
  }

  private void shallowFetch(Repository repo, String what, Deadline deadline, Consumer<FetchCommand> refs)
      throws GitSyncException {
    try {
      runFetch(repo, what, deadline, fetch -> {
        refs.accept(fetch);
        fetch.setDepth(1);
      });
    } catch (GitSyncException e) {
      // A server without shallow support (e.g. a dumb http server) gets a full fetch.
      if (e.reason() != GitSyncException.Reason.FAILED || !FetchFailures.describe(e.getCause()).toLowerCase().contains("shallow")) {
        throw e;
      }
      runFetch(repo, what, deadline, refs);
    }
  }

  private void runFetch(Repository repo, String what, Deadline deadline, Consumer<FetchCommand> setup)
      throws GitSyncException {
    FetchCommand fetch = Git.wrap(repo).fetch()
        .setRemote(spec.url())
        .setTagOpt(TagOpt.NO_TAGS)
        .setRecurseSubmodules(FetchRecurseSubmodulesMode.NO)
        .setRemoveDeletedRefs(false)
        .setProgressMonitor(deadline)
        .setTimeout(deadline.remainingSeconds());
    setup.accept(fetch);
    authentication.apply(fetch, repo.getConfig());
    if (inFlight != null && !inFlight.isDone()) {
      throw new GitSyncException(GitSyncException.Reason.TIMEOUT, "an earlier fetch from " + spec.url()
          + " timed out and is still waiting for the server: not starting another");
    }
    // JGit's own timeout cannot interrupt a read on a git:// socket (NIO sockets ignore thread
    // interrupts), so the fetch runs on this mirror's fetch thread and the sync stops waiting for
    // it at the deadline. A hung fetch keeps that one thread until the server answers or the
    // connection dies; no other fetch of this mirror starts meanwhile.
    Future<?> running = fetchThread.submit(() -> fetch.call());
    inFlight = running;
    try {
      running.get(deadline.remainingNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw FetchFailures.translate(e, spec, what, deadline, authentication.hostKeyRejection());
    } catch (ExecutionException e) {
      throw FetchFailures.translate(e.getCause(), spec, what, deadline, authentication.hostKeyRejection());
    } catch (InterruptedException e) {
      running.cancel(true);
      Thread.currentThread().interrupt();
      throw new GitSyncException(GitSyncException.Reason.FAILED, "fetching " + what + " from " + spec.url() + " was interrupted", e);
    }
  }

  private RevCommit commitOf(Repository repo, ObjectId id, String what) throws GitSyncException, IOException {
    try (RevWalk walk = new RevWalk(repo)) {
      RevObject object = walk.peel(walk.parseAny(id));
      if (object instanceof RevCommit commit) {
        walk.parseBody(commit);
        return commit;
      }
      String kind = object instanceof RevTag ? "tag" : Constants.typeString(object.getType());
      throw new GitSyncException(GitSyncException.Reason.REF_NOT_FOUND,
          what + " in " + spec.url() + " points at a " + kind + " (" + object.name() + "), not a commit");
    }
  }

  private GitRevision materialise(Repository repo, RevCommit commit, Deadline deadline)
      throws GitSyncException, IOException {
    String sha = commit.name();
    Path snapshot = snapshotsDir.resolve(snapshotName(sha));
    if (current != null && current.commitId().equals(sha) && Files.isDirectory(current.root())) {
      return current;
    }
    GitRevision revision;
    if (Files.isDirectory(snapshot)) {
      // Written completely by an earlier sync (snapshots only appear by rename): reuse it.
      revision = revision(sha, snapshot, readSkipped(snapshot));
    } else {
      ObjectId tree = subtree(repo, commit);
      Path tmp = Files.createTempDirectory(snapshotsDir, TMP_PREFIX);
      List<String> skipped;
      try {
        Path rootInTmp = Files.createDirectories(tmp.resolve(spec.path()));
        try (ObjectReader reader = repo.newObjectReader()) {
          skipped = new SnapshotWriter(reader, limits, deadline, sha).write(tree, rootInTmp, spec.path());
        }
        Files.write(skippedFile(snapshot), skipped, StandardCharsets.UTF_8);
        Files.move(tmp, snapshot, StandardCopyOption.ATOMIC_MOVE);
      } catch (GitSyncException | IOException | RuntimeException e) {
        deleteTree(tmp);
        throw e;
      }
      revision = revision(sha, snapshot, skipped);
    }
    Files.setLastModifiedTime(snapshot, FileTime.fromMillis(System.currentTimeMillis()));
    GitRevision previous = current;
    current = revision;
    prune(snapshot, previous);
    return revision;
  }

  private GitRevision revision(String sha, Path snapshot, List<String> skipped) {
    Path root = spec.path().isEmpty() ? snapshot : snapshot.resolve(spec.path());
    return new GitRevision(spec.ref().displayName(), sha, root, skipped);
  }

  private List<String> readSkipped(Path snapshot) throws IOException {
    Path file = skippedFile(snapshot);
    return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
  }

  private static Path skippedFile(Path snapshot) {
    return snapshot.resolveSibling(snapshot.getFileName() + SKIPPED_SUFFIX);
  }

  /** The tree of the spec's path in the commit; a clear error when it is missing or not a directory. */
  private ObjectId subtree(Repository repo, RevCommit commit) throws GitSyncException, IOException {
    if (spec.path().isEmpty()) {
      return commit.getTree();
    }
    try (TreeWalk walk = TreeWalk.forPath(repo, spec.path(), commit.getTree())) {
      if (walk == null) {
        throw new GitSyncException(GitSyncException.Reason.PATH_NOT_FOUND,
            "path " + spec.path() + " not found in commit " + commit.name() + " of " + spec.url());
      }
      FileMode mode = walk.getFileMode(0);
      if (mode != FileMode.TREE) {
        String kind = mode == FileMode.SYMLINK ? "a symbolic link" : mode == FileMode.GITLINK ? "a submodule" : "a file";
        throw new GitSyncException(GitSyncException.Reason.PATH_NOT_FOUND,
            "path " + spec.path() + " in commit " + commit.name() + " of " + spec.url() + " is " + kind + ", not a directory");
      }
      return walk.getObjectId(0);
    }
  }

  /** Keeps the new snapshot and the one before it; deletes older ones and leftovers of killed syncs. */
  private void prune(Path newest, GitRevision previous) throws IOException {
    List<Path> others = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(snapshotsDir)) {
      for (Path entry : entries) {
        String name = entry.getFileName().toString();
        if (!entry.equals(newest) && !name.endsWith(SKIPPED_SUFFIX)) {
          others.add(entry);
        }
      }
    }
    Path keep = null;
    if (previous != null) {
      keep = snapshotsDir.resolve(snapshotName(previous.commitId()));
    } else {
      // After a restart the previous revision is unknown: keep the most recently used.
      long newestTime = Long.MIN_VALUE;
      for (Path other : others) {
        if (!other.getFileName().toString().startsWith(TMP_PREFIX) && Files.isDirectory(other)) {
          long time = Files.getLastModifiedTime(other).toMillis();
          if (time > newestTime) {
            newestTime = time;
            keep = other;
          }
        }
      }
    }
    for (Path other : others) {
      if (!other.equals(keep)) {
        deleteTree(other);
        Files.deleteIfExists(skippedFile(other));
      }
    }
  }

  private String snapshotName(String sha) {
    if (spec.path().isEmpty()) {
      return sha;
    }
    // The same commit with another path is another snapshot (it holds only that path's files).
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(spec.path().getBytes(StandardCharsets.UTF_8));
      return sha + "-" + HexFormat.of().formatHex(hash, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private Repository repository() throws IOException {
    if (repository == null) {
      Path gitDir = workDir.resolve("repo.git");
      Repository repo = new FileRepositoryBuilder().setGitDir(gitDir.toFile()).setBare().build();
      if (!repo.getObjectDatabase().exists()) {
        repo.create(true);
      }
      repository = repo;
    }
    return repository;
  }

  private FileLock lock(FileChannel channel, Deadline deadline) throws GitSyncException, IOException {
    while (true) {
      try {
        FileLock lock = channel.tryLock();
        if (lock != null) {
          return lock;
        }
      } catch (OverlappingFileLockException heldInThisJvm) {
        // another GitMirror on the same directory: wait for it like for another process
      }
      if (deadline.expired()) {
        throw new GitSyncException(GitSyncException.Reason.TIMEOUT, "git source " + spec.describe()
            + ": another sync of " + workDir + " held its lock for longer than the timeout of " + timeout.toSeconds() + "s");
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new GitSyncException(GitSyncException.Reason.FAILED, "git source " + spec.describe() + ": interrupted while waiting for the lock of " + workDir);
      }
    }
  }

  private static void createPrivateDirectory(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir.getParent());
      try {
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } catch (java.nio.file.FileAlreadyExistsException raced) {
        // made by a concurrent process: fine
      }
    }
  }

  /** Deletes a directory tree without following symbolic links. */
  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.delete(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path dir, IOException failure) throws IOException {
        if (failure != null) {
          throw failure;
        }
        Files.delete(dir);
        return FileVisitResult.CONTINUE;
      }
    });
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    fetchThread.shutdownNow();
    authentication.close();
    if (repository != null) {
      repository.close();
    }
  }
}
