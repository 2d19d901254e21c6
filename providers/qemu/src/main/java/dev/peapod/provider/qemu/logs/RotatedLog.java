package dev.peapod.provider.qemu.logs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;

/**
 * A log that the host caps and rotates: {@code NAME}, {@code NAME.1} ... {@code NAME.(n-1)}, written
 * by rotatelogs in a ring ({@code rotatelogs -n n}): when the file it writes reaches the size cap it
 * truncates the next one in the ring and goes on there. So the newest file is the last one written
 * (latest mtime) and the oldest the one after it in the ring. File times are as coarse as the
 * kernel's tick, so the last file of a rotation and the first of the next can share one: of files
 * with the same latest time, the last of that run in ring order is the newest.
 *
 * <p>Every file of the ring exists from the VM's launch (created empty and private, so rotatelogs
 * keeps their mode when it truncates them); a missing one ends the ring.
 */
public final class RotatedLog {

  private final Path base;

  public RotatedLog(Path base) {
    this.base = base;
  }

  /** The base file: {@code containers.log}, {@code console.log}. */
  public Path base() {
    return base;
  }

  /** The ring's files, {@code NAME} first. */
  public List<Path> ring() {
    List<Path> ring = new ArrayList<>();
    ring.add(base);
    for (int i = 1; Files.exists(sibling(i), LinkOption.NOFOLLOW_LINKS); i++) {
      ring.add(sibling(i));
    }
    return ring;
  }

  /** Every file of a ring of {@code files}, {@code NAME} first (for creating and moving them). */
  public List<Path> ring(int files) {
    List<Path> ring = new ArrayList<>();
    ring.add(base);
    for (int i = 1; i < files; i++) {
      ring.add(sibling(i));
    }
    return ring;
  }

  /** The ring's files from the oldest to the newest (the one being written). */
  public List<Path> oldestFirst() {
    List<Path> ring = ring();
    int n = ring.size();
    FileTime[] times = new FileTime[n];
    FileTime latest = null;
    for (int i = 0; i < n; i++) {
      times[i] = mtime(ring.get(i));
      if (latest == null || times[i].compareTo(latest) > 0) {
        latest = times[i];
      }
    }
    int newest = n - 1;
    for (int i = 0; i < n; i++) {
      if (times[i].equals(latest) && !times[(i + 1) % n].equals(latest)) {
        newest = i;
        break;
      }
    }
    List<Path> order = new ArrayList<>(n);
    for (int k = 1; k <= n; k++) {
      order.add(ring.get((newest + k) % n));
    }
    return order;
  }

  private Path sibling(int i) {
    return base.resolveSibling(base.getFileName() + "." + i);
  }

  private static FileTime mtime(Path file) {
    try {
      return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).lastModifiedTime();
    } catch (IOException e) {
      return FileTime.fromMillis(0);
    }
  }
}
