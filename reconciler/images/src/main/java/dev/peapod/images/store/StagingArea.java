package dev.peapod.images.store;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * Where layers are unpacked before mkfs.erofs packs them. The tree lives only for the
 * build, so when a tmpfs ({@code /dev/shm}) has room for it, it goes there: creating
 * files on a disk file system costs far more than on tmpfs (measured on these machines:
 * ~0.6 ms of kernel time per file on ext4, ~5 µs on tmpfs), and unpacking is most of a
 * pull's time. Otherwise, and when tmpfs refuses an xattr the image needs (user.* on
 * kernels before 6.6), it is the store's own tmp/ on disk.
 *
 * <p>The tmpfs directory is private to one user, {@code /dev/shm/peapod-images-UID}, mode
 * 0700: staged roots hold setuid files and device nodes, and whoever can write the
 * directory can swap a staged directory for a symlink and redirect root's writes and
 * deletes. {@code /dev/shm} is writable by everyone, so the directory may have been made
 * by someone else before us: it is used only if it is a real directory (not a link),
 * owned by us, with no access for group or others; otherwise staging stays on disk and
 * {@link #notice()} says why.
 */
public final class StagingArea {
  /** Leave this much of the tmpfs free for everyone else. */
  private static final long MEMORY_HEADROOM = 256L << 20;
  /** The directory all users shared before staging was per user. */
  private static final String LEGACY_DIRECTORY = "peapod-images";

  private final TempSpace disk;
  private final TempSpace memory;
  private final String notice;

  private StagingArea(TempSpace disk, TempSpace memory, String notice) {
    this.disk = disk;
    this.memory = memory;
    this.notice = notice;
  }

  /** Disk only. */
  public static StagingArea disk(TempSpace disk) {
    return new StagingArea(disk, null, null);
  }

  /**
   * {@code shm/peapod-images-UID} when {@code shm} is a tmpfs and that directory is ours
   * alone (abandoned work there is removed now), else disk only.
   *
   * @param uid the user this process runs as, who must own the directory
   */
  public static StagingArea preferMemory(TempSpace disk, Path shm, int uid) {
    try {
      if (!Files.isDirectory(shm) || !"tmpfs".equals(Files.getFileStore(shm).type())) {
        return disk(disk);
      }
      removeLegacy(shm.resolve(LEGACY_DIRECTORY), uid);
      Path dir = shm.resolve("peapod-images-" + uid);
      String refusal = privateDirectory(dir, uid);
      if (refusal != null) {
        return new StagingArea(disk, null, "not staging layers in " + dir + ": " + refusal
            + "; unpacking on disk instead (remove it to stage in memory again)");
      }
      TempSpace memory = new TempSpace(dir);
      memory.removeAbandoned();
      return new StagingArea(disk, memory, null);
    } catch (IOException | SecurityException e) {
      return new StagingArea(disk, null, "not staging layers in " + shm + ": " + e + "; unpacking on disk instead");
    }
  }

  /**
   * Empties the shared {@code /dev/shm/peapod-images} that Peapod used before staging became
   * per user, if it is ours: roots that crashed builds left there (tmpfs memory, setuid files,
   * device nodes) would otherwise stay until reboot. Live processes' work is kept, and so is
   * the directory itself: an older Peapod still running may be about to create its next root
   * in it. Anybody else's is left alone.
   */
  private static void removeLegacy(Path legacy, int uid) {
    try {
      var attributes = Files.readAttributes(legacy, java.nio.file.attribute.BasicFileAttributes.class,
          LinkOption.NOFOLLOW_LINKS);
      if (!attributes.isDirectory() || (Integer) Files.getAttribute(legacy, "unix:uid", LinkOption.NOFOLLOW_LINKS) != uid) {
        return;
      }
      new TempSpace(legacy).removeAbandoned();
    } catch (IOException | SecurityException e) {
      // not there, or not ours to clean: nothing to do
    }
  }

  /** Creates {@code dir} 0700, or checks the one that is there; null when usable, else why not. */
  private static String privateDirectory(Path dir, int uid) throws IOException {
    try {
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (FileAlreadyExistsException e) {
      // made before, by us or by someone else: checked below
    }
    var attributes = Files.readAttributes(dir, java.nio.file.attribute.PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    if (attributes.isSymbolicLink()) {
      return "it is a symlink";
    }
    if (!attributes.isDirectory()) {
      return "it is not a directory";
    }
    int owner = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    if (owner != uid) {
      return "it is owned by uid " + owner + ", not " + uid;
    }
    int mode = (Integer) Files.getAttribute(dir, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    if ((mode & 077) != 0) {
      return "its mode is " + String.format("%04o", mode) + ", not 0700";
    }
    return null;
  }

  /** Why staging is on disk although memory was preferred; empty when nothing went wrong. */
  public Optional<String> notice() {
    return Optional.ofNullable(notice);
  }

  /** A fresh empty directory for a root filesystem of about {@code estimatedBytes}. */
  public Path newRoot(long estimatedBytes) throws IOException {
    if (memory != null && fits(estimatedBytes)) {
      return memory.newDirectory("rootfs");
    }
    return disk.newDirectory("rootfs");
  }

  /** A directory on disk, for the retry after tmpfs refused something. */
  public Path newDiskRoot() throws IOException {
    return disk.newDirectory("rootfs");
  }

  public boolean inMemory(Path root) {
    return memory != null && !root.startsWith(disk.directory());
  }

  private boolean fits(long estimatedBytes) {
    try {
      FileStore store = Files.getFileStore(memory.directory());
      return store.getUsableSpace() - MEMORY_HEADROOM > 2 * estimatedBytes;
    } catch (IOException e) {
      return false;
    }
  }
}
