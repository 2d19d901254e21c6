package dev.peapod.images.store;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Temporary files and directories on the store's file system (so a finished one can
 * be renamed into place atomically). Names start with the owner's PID, which is how
 * {@link #removeAbandoned()} knows what a crashed process left behind without
 * touching what a live one is still writing.
 */
public final class TempSpace {
  private static final Set<PosixFilePermission> OWNER_RWX = EnumSet.of(
      PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);

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

  /**
   * Deletes a file or a directory tree. Missing is fine. No symlink is ever followed, not
   * even one that appears while the walk runs: each directory is opened relative to its
   * parent's open descriptor with O_NOFOLLOW ({@link SecureDirectoryStream}, i.e. openat),
   * and every unlink and chmod is relative to an open directory, so swapping a directory
   * for a link mid-walk only gets the link deleted. {@code Files.walk} re-resolves whole
   * paths, which a racing writer can redirect.
   */
  public static void deleteTree(Path path) throws IOException {
    Path absolute = path.toAbsolutePath();
    Path parent = absolute.getParent();
    if (parent == null) {
      throw new IOException("refusing to delete " + absolute);
    }
    try (SecureDirectoryStream<Path> dir = openSecure(parent)) {
      deleteEntry(dir, absolute.getFileName(), absolute);
    } catch (NoSuchFileException e) {
      // missing is fine
    }
  }

  private static SecureDirectoryStream<Path> openSecure(Path dir) throws IOException {
    DirectoryStream<Path> stream = Files.newDirectoryStream(dir);
    if (stream instanceof SecureDirectoryStream<Path> secure) {
      return secure;
    }
    stream.close();
    throw new IOException("cannot delete safely under " + dir + ": the platform has no openat-based directory streams");
  }

  /** Deletes {@code name} in {@code dir}; {@code where} only names it in errors and in the non-root fallback. */
  private static void deleteEntry(SecureDirectoryStream<Path> dir, Path name, Path where) throws IOException {
    BasicFileAttributes attributes;
    try {
      attributes = dir.getFileAttributeView(name, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
          .readAttributes();
    } catch (NoSuchFileException e) {
      return;
    }
    if (!attributes.isDirectory()) {
      deleteFile(dir, name);
      return;
    }
    try (SecureDirectoryStream<Path> child = openChild(dir, name, where)) {
      if (child == null) {
        deleteFile(dir, name); // became a link or file since we looked: unlink it, never follow it
        return;
      }
      // Staged roots hold read-only directories; as non-root we need write and search on
      // this one to empty it (fchmod on the open descriptor: no path to redirect).
      PosixFileAttributeView self = child.getFileAttributeView(PosixFileAttributeView.class);
      Set<PosixFilePermission> permissions = self.readAttributes().permissions();
      if (!permissions.containsAll(OWNER_RWX)) {
        Set<PosixFilePermission> opened = EnumSet.copyOf(OWNER_RWX);
        opened.addAll(permissions);
        self.setPermissions(opened);
      }
      List<Path> names = new ArrayList<>();
      child.forEach(p -> names.add(p.getFileName()));
      for (Path entry : names) {
        deleteEntry(child, entry, where.resolve(entry));
      }
    }
    try {
      dir.deleteDirectory(name);
    } catch (NoSuchFileException e) {
      // gone already
    }
  }

  /** Opens a child directory without following a link; null when it is no directory now. */
  private static SecureDirectoryStream<Path> openChild(SecureDirectoryStream<Path> dir, Path name, Path where)
      throws IOException {
    try {
      return dir.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS);
    } catch (FileSystemException e) {
      if (e instanceof AccessDeniedException) {
        // Only as non-root, for a directory without owner read (mode 0311...), which cannot
        // be opened to fchmod it: chmod it by path once, then open it by descriptor. The
        // path is only ours to change: staging is private to our uid, tmp/ to the store.
        where.toFile().setReadable(true, true);
        where.toFile().setExecutable(true, true);
        return dir.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS);
      }
      if (e instanceof NoSuchFileException) {
        throw e;
      }
      return null; // ELOOP (a symlink) or ENOTDIR: not a directory any more
    }
  }

  private static void deleteFile(SecureDirectoryStream<Path> dir, Path name) throws IOException {
    try {
      dir.deleteFile(name);
    } catch (NoSuchFileException e) {
      // gone already
    }
  }
}
