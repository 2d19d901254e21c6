package dev.peapod.provider.qemu.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;

/**
 * Directories and files only the user running Peapod can reach: directories are created 0700 and
 * set to 0700 after creation (the umask can only remove bits, and a umask of 000 must not leave a
 * directory group-writable), and trees are deleted without following symlinks.
 */
public final class PrivateFiles {

  private PrivateFiles() {}

  /** Creates {@code dir} and its missing parents, each created one 0700 whatever the umask. */
  public static Path createDirectories(Path dir) throws IOException {
    Path absolute = dir.toAbsolutePath();
    if (Files.isDirectory(absolute, LinkOption.NOFOLLOW_LINKS)) {
      return dir;
    }
    Path parent = absolute.getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      createDirectories(parent);
    }
    try {
      Files.createDirectory(absolute);
    } catch (java.nio.file.FileAlreadyExistsException e) {
      if (Files.isDirectory(absolute)) {
        return dir; // made meanwhile by another process: it made it private too
      }
      throw e;
    }
    Files.setPosixFilePermissions(absolute, PosixFilePermissions.fromString("rwx------"));
    return dir;
  }

  /**
   * Makes {@code dir} a private directory: created 0700 with its missing parents, or, if it is a
   * directory of ours already, set to 0700 (one made by an older Peapod under the umask).
   */
  public static Path privateDirectory(Path dir) throws IOException {
    createDirectories(dir);
    if (Files.getOwner(dir, LinkOption.NOFOLLOW_LINKS).getName().equals(System.getProperty("user.name"))
        || isRoot()) {
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    }
    return dir;
  }

  /**
   * Makes {@code file} exist with mode 0600, keeping what it holds: for files another process (QEMU,
   * passt) opens with O_CREAT, which keeps the mode of a file that exists.
   */
  public static void privateFile(Path file) throws IOException {
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (java.nio.file.FileAlreadyExistsException e) {
      // kept, made private below
    }
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
  }

  /** Sets {@code file} to 0600 if it exists (a socket another process bound under its umask). */
  public static void makePrivate(Path file) throws IOException {
    if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }
  }

  private static boolean isRoot() {
    try {
      return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }

  /** Deletes {@code dir} and all in it; a symlink inside is deleted, never followed. */
  public static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
