package dev.peapod.images.layer;

import dev.peapod.images.archive.TarEntry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Applies a tar entry's ownership, mode, xattrs and mtime to the file just written.
 * The order matters: chown clears setuid/setgid bits and file capabilities, so it
 * comes first, then chmod, then xattrs.
 */
final class FileMetadata {
  private final boolean keepOwnership;
  private final boolean setfattrAvailable;
  private final int umask;

  /**
   * @param keepOwnership chown to the entry's numeric ids; only root may, and Peapod runs as root
   */
  FileMetadata(boolean keepOwnership, Path probeDir) {
    this.keepOwnership = keepOwnership;
    this.setfattrAvailable = Files.isExecutable(Path.of("/usr/bin/setfattr"));
    this.umask = probeUmask(probeDir);
  }

  /** The process umask, which Java cannot ask for: create a 0777 file and see what is left. */
  private static int probeUmask(Path dir) {
    try {
      Path probe = dir.resolve(".umask-probe-" + ProcessHandle.current().pid());
      Files.deleteIfExists(probe);
      Files.createFile(probe, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(permissions(0777)));
      try {
        return 0777 & ~((Integer) Files.getAttribute(probe, "unix:mode") & 0777);
      } finally {
        Files.delete(probe);
      }
    } catch (IOException e) {
      return 0777; // unknown: always chmod
    }
  }

  private static java.util.Set<java.nio.file.attribute.PosixFilePermission> permissions(int mode) {
    java.util.Set<java.nio.file.attribute.PosixFilePermission> set =
        java.util.EnumSet.noneOf(java.nio.file.attribute.PosixFilePermission.class);
    java.nio.file.attribute.PosixFilePermission[] all = java.nio.file.attribute.PosixFilePermission.values();
    for (int i = 0; i < 9; i++) {
      if ((mode & (0400 >> i)) != 0) {
        set.add(all[i]); // values() is OWNER_READ, OWNER_WRITE, OWNER_EXECUTE, GROUP_READ, ... OTHERS_EXECUTE
      }
    }
    return set;
  }

  /**
   * chown to the entry's ids. Skipped for 0:0, which is what root creates anyway and
   * what nearly every image file has: two syscalls saved per file.
   */
  void ownership(Path path, TarEntry entry) throws IOException {
    if (keepOwnership && (entry.uid() != 0 || entry.gid() != 0)) {
      Files.setAttribute(path, "unix:uid", (int) entry.uid(), LinkOption.NOFOLLOW_LINKS);
      Files.setAttribute(path, "unix:gid", (int) entry.gid(), LinkOption.NOFOLLOW_LINKS);
    }
  }

  /** Permissions to create a file with; the umask may still clear some bits. */
  java.nio.file.attribute.FileAttribute<?> creationPermissions(int mode) {
    return java.nio.file.attribute.PosixFilePermissions.asFileAttribute(permissions(mode & 0777));
  }

  /**
   * Whether creating with {@link #creationPermissions} already gives exactly {@code mode}:
   * true unless the mode has setuid/setgid/sticky bits (creation cannot set them) or
   * bits the umask removes. Saves a chmod, which NIO does as open+fchmod+close.
   */
  boolean creationModeIsExact(int mode) {
    return (mode & 07000) == 0 && (mode & umask) == 0;
  }

  void mode(Path path, int mode) throws IOException {
    Files.setAttribute(path, "unix:mode", mode & 07777, LinkOption.NOFOLLOW_LINKS);
  }

  static void mtime(Path path, FileTime mtime) throws IOException {
    Files.getFileAttributeView(path, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setTimes(mtime, null, null);
  }

  /**
   * Sets the entry's xattrs where this file system keeps them. {@code user.*} goes
   * through NIO; other namespaces ({@code security.capability}, {@code trusted.*}) are
   * beyond NIO, so they go through {@code setfattr} — rare enough that a process per
   * attribute is fine. Returns the names that could not be set.
   */
  List<String> xattrs(Path path, Map<String, byte[]> xattrs) throws IOException {
    if (xattrs.isEmpty()) {
      return List.of();
    }
    java.util.ArrayList<String> skipped = new java.util.ArrayList<>();
    for (Map.Entry<String, byte[]> xattr : xattrs.entrySet()) {
      String name = xattr.getKey();
      boolean done = name.startsWith("user.") && !Files.isSymbolicLink(path)
          ? setUserXattr(path, name.substring("user.".length()), xattr.getValue())
          : setWithSetfattr(path, name, xattr.getValue());
      if (!done) {
        skipped.add(name);
      }
    }
    return skipped;
  }

  private static boolean setUserXattr(Path path, String name, byte[] value) {
    try {
      UserDefinedFileAttributeView view = Files.getFileAttributeView(path, UserDefinedFileAttributeView.class);
      if (view == null) {
        return false;
      }
      view.write(name, ByteBuffer.wrap(value));
      return true;
    } catch (IOException | UnsupportedOperationException e) {
      return false; // file system without user xattrs
    }
  }

  private boolean setWithSetfattr(Path path, String name, byte[] value) throws IOException {
    if (!setfattrAvailable) {
      return false;
    }
    Process process = new ProcessBuilder("/usr/bin/setfattr", "-h", "-n", name,
        "-v", value.length == 0 ? "\"\"" : "0x" + HexFormat.of().formatHex(value), "--", path.toString())
        .redirectErrorStream(true)
        .start();
    process.getInputStream().readAllBytes();
    try {
      return process.waitFor() == 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while setting xattr " + name);
    }
  }
}
