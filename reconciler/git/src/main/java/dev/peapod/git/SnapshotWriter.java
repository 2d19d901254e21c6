package dev.peapod.git;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.treewalk.TreeWalk;

/**
 * Writes one git tree into a fresh directory, straight from the object database (no JGit
 * checkout, no index, no filters, no hooks), treating the tree as hostile:
 * <ul>
 *   <li>only directories and regular files are written; symbolic links are never created (a
 *       reader of the snapshot could otherwise be sent to {@code /etc/shadow}), and submodules are
 *       not fetched: both are listed as skipped;
 *   <li>a name that could leave its directory ({@code ..}, {@code .}, empty, containing '/' or
 *       NUL) or a duplicate name fails the snapshot;
 *   <li>the total size and number of entries are bounded before a byte is written past them;
 *   <li>files are created with {@code CREATE_NEW} in directories this writer made, and none is
 *       executable: nothing in a snapshot is meant to be run.
 * </ul>
 */
final class SnapshotWriter {
  /** Link targets are read for the skipped list only, and cut to this length. */
  private static final int LINK_TARGET_SHOWN = 200;

  private final ObjectReader reader;
  private final SnapshotLimits limits;
  private final Deadline deadline;
  private final String commitId;
  private final List<String> skipped = new ArrayList<>();
  private long bytes;
  private int entries;

  SnapshotWriter(ObjectReader reader, SnapshotLimits limits, Deadline deadline, String commitId) {
    this.reader = reader;
    this.limits = limits;
    this.deadline = deadline;
    this.commitId = commitId;
  }

  /**
   * Writes {@code tree} into {@code dir} (which must exist and be empty).
   *
   * @param prefix the tree's path in the repository, for messages ("" for the root)
   * @return entries not materialised, one line each
   */
  List<String> write(ObjectId tree, Path dir, String prefix) throws GitSyncException, IOException {
    List<Path> parents = new ArrayList<>();
    parents.add(dir);
    try (TreeWalk walk = new TreeWalk(reader)) {
      walk.reset(tree);
      walk.setRecursive(false);
      while (walk.next()) {
        if (deadline.expired()) {
          throw new GitSyncException(GitSyncException.Reason.TIMEOUT,
              "writing commit " + commitId + " took longer than the timeout of " + deadline.timeout().toSeconds() + "s");
        }
        int depth = walk.getDepth();
        while (parents.size() > depth + 1) {
          parents.remove(parents.size() - 1);
        }
        String shown = prefix.isEmpty() ? walk.getPathString() : prefix + "/" + walk.getPathString();
        String name = walk.getNameString();
        checkName(name, shown);
        Path target = parents.get(depth).resolve(name);
        FileMode mode = walk.getFileMode(0);
        if (mode == FileMode.TREE) {
          count(shown, 0);
          try {
            Files.createDirectory(target);
          } catch (FileAlreadyExistsException e) {
            throw duplicate(shown);
          }
          parents.add(target);
          walk.enterSubtree();
        } else if (mode == FileMode.REGULAR_FILE || mode == FileMode.EXECUTABLE_FILE) {
          ObjectId blob = walk.getObjectId(0);
          count(shown, reader.getObjectSize(blob, Constants.OBJ_BLOB));
          try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            reader.open(blob, Constants.OBJ_BLOB).copyTo(out);
          } catch (FileAlreadyExistsException e) {
            throw duplicate(shown);
          }
        } else if (mode == FileMode.SYMLINK) {
          skipped.add(shown + ": symbolic link (to " + linkTarget(walk.getObjectId(0)) + ") not materialised");
        } else if (mode == FileMode.GITLINK) {
          skipped.add(shown + ": submodule (commit " + walk.getObjectId(0).name() + ") not fetched");
        } else {
          skipped.add(shown + ": entry of unknown mode " + Integer.toOctalString(walk.getRawMode(0)) + " not materialised");
        }
      }
    }
    return skipped;
  }

  private void count(String path, long size) throws GitSyncException {
    entries++;
    bytes += size;
    if (entries > limits.maxFiles()) {
      throw new GitSyncException(GitSyncException.Reason.REJECTED_CONTENT, "commit " + commitId
          + " has more than " + limits.maxFiles() + " files and directories (the snapshot limit), at " + path);
    }
    if (bytes > limits.maxBytes()) {
      throw new GitSyncException(GitSyncException.Reason.REJECTED_CONTENT, "commit " + commitId
          + " holds more than " + limits.maxBytes() + " bytes of files (the snapshot limit), at " + path
          + " (" + size + " bytes)");
    }
  }

  private void checkName(String name, String path) throws GitSyncException {
    if (name.isEmpty() || name.equals(".") || name.equals("..") || name.indexOf('/') >= 0 || name.indexOf('\0') >= 0) {
      throw new GitSyncException(GitSyncException.Reason.REJECTED_CONTENT, "commit " + commitId
          + " contains an entry named \"" + name.replace("\0", "\\0") + "\" at " + path
          + ", which could escape the snapshot: refused");
    }
  }

  private GitSyncException duplicate(String path) {
    return new GitSyncException(GitSyncException.Reason.REJECTED_CONTENT,
        "commit " + commitId + " names " + path + " twice (a malformed tree): refused");
  }

  private String linkTarget(ObjectId blob) throws IOException {
    long size = reader.getObjectSize(blob, Constants.OBJ_BLOB);
    if (size > LINK_TARGET_SHOWN) {
      return "a " + size + "-byte target";
    }
    String target = new String(reader.open(blob, Constants.OBJ_BLOB).getCachedBytes(LINK_TARGET_SHOWN), StandardCharsets.UTF_8);
    return target.replaceAll("\\p{Cntrl}", "?");
  }
}
