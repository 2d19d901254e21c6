package dev.peapod.images.store;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where layers are unpacked before mkfs.erofs packs them. The tree lives only for the
 * build, so when a tmpfs ({@code /dev/shm}) has room for it, it goes there: creating
 * files on a disk file system costs far more than on tmpfs (measured on these machines:
 * ~0.6 ms of kernel time per file on ext4, ~5 µs on tmpfs), and unpacking is most of a
 * pull's time. Otherwise, and when tmpfs refuses an xattr the image needs (user.* on
 * kernels before 6.6), it is the store's own tmp/ on disk.
 */
public final class StagingArea {
  /** Leave this much of the tmpfs free for everyone else. */
  private static final long MEMORY_HEADROOM = 256L << 20;

  private final TempSpace disk;
  private final TempSpace memory;

  private StagingArea(TempSpace disk, TempSpace memory) {
    this.disk = disk;
    this.memory = memory;
  }

  /** Disk only. */
  public static StagingArea disk(TempSpace disk) {
    return new StagingArea(disk, null);
  }

  /** tmpfs at {@code memoryDir} when usable (abandoned work there is removed now), else disk only. */
  public static StagingArea preferMemory(TempSpace disk, Path memoryDir) {
    try {
      Path shm = memoryDir.getParent();
      if (shm == null || !Files.isDirectory(shm) || !"tmpfs".equals(Files.getFileStore(shm).type())) {
        return disk(disk);
      }
      Files.createDirectories(memoryDir);
      TempSpace memory = new TempSpace(memoryDir);
      memory.removeAbandoned();
      return new StagingArea(disk, memory);
    } catch (IOException | SecurityException e) {
      return disk(disk);
    }
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
