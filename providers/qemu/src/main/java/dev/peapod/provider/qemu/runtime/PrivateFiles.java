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
