package dev.peapod.images.store;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * Temporary files and directories on the store's file system (so a finished one can
 * be renamed into place atomically). Names start with the owner's PID, which is how
 * {@link #removeAbandoned()} knows what a crashed process left behind without
 * touching what a live one is still writing.
 */
public final class TempSpace {
  private final Path dir;
  private final long pid = ProcessHandle.current().pid();

  public TempSpace(Path dir) {
    this.dir = dir;
  }

  /** The directory this space hands out paths in. */
  public Path directory() {
    return dir;
  }

  /** A fresh path under tmp/ that does not exist yet. */
  public Path newPath(String purpose) {
    return dir.resolve(pid + "-" + purpose + "-" + UUID.randomUUID());
  }

  public Path newDirectory(String purpose) throws IOException {
    return Files.createDirectory(newPath(purpose));
  }

  /** Deletes entries whose owning process is gone. Returns how many were removed. */
  public int removeAbandoned() throws IOException {
    int removed = 0;
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path entry : entries) {
        if (!ownerAlive(entry.getFileName().toString())) {
          deleteTree(entry);
          removed++;
        }
      }
    }
    return removed;
  }

  private static boolean ownerAlive(String name) {
    int dash = name.indexOf('-');
    try {
      long owner = Long.parseLong(dash < 0 ? name : name.substring(0, dash));
      return ProcessHandle.of(owner).map(ProcessHandle::isAlive).orElse(false);
    } catch (NumberFormatException e) {
      return false; // not ours; tmp/ belongs to the store
    }
  }

  /** Deletes a file or a directory tree, not following symlinks. Missing is fine. */
  public static void deleteTree(Path path) throws IOException {
    if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (Files.isDirectory(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      // Staged root filesystems may hold read-only directories; as non-root they must be
      // opened up (parents are visited before their children) before anything is deleted.
      try (var walk = Files.walk(path)) {
        walk.filter(p -> Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS))
            .forEach(p -> p.toFile().setWritable(true, true));
      }
      try (var walk = Files.walk(path)) {
        for (Path p : (Iterable<Path>) walk.sorted(java.util.Comparator.reverseOrder())::iterator) {
          Files.deleteIfExists(p);
        }
      }
    } else {
      Files.deleteIfExists(path);
    }
  }
}
