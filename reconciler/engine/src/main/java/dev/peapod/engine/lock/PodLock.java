package dev.peapod.engine.lock;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * Serialises the peapod processes that change one pod: create, start, stop, replace and rm hold
 * an exclusive lock on {@code $PEAPOD_HOME/locks/pods/NAME.lock} while they run (the provider's
 * contract leaves that to its caller). The holder writes its pid, its command line and the time
 * into the file, so a refused command can say who holds the pod:
 * {@code pod "web" is locked by pid 1234 (peapod start web) since 12:00:01}.
 *
 * <p>The lock is the kernel's (fcntl via {@link FileChannel#tryLock()}), so a holder that dies,
 * even by SIGKILL, releases it; the stale text left in the file is never read as a holder
 * because it is only read when locking fails. Lock files stay after the pod is removed: deleting
 * a lock file that another process is about to lock would let two holders in.
 */
public final class PodLock implements AutoCloseable {
  private static final DateTimeFormatter SINCE = DateTimeFormatter.ofPattern("HH:mm:ss");

  private final FileChannel channel;
  private final FileLock lock;

  private PodLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /** Where the lock of {@code pod} lives. */
  public static Path file(Path peapodHome, String pod) {
    return peapodHome.resolve("locks").resolve("pods").resolve(pod + ".lock");
  }

  /**
   * Takes the pod's lock without waiting.
   *
   * @param command what the holder is doing, e.g. {@code peapod start web}
   * @throws PodLockedException naming the holder when another process (or
   *     another lock in this one) has it
   */
  public static PodLock acquire(Path peapodHome, String pod, String command) {
    return acquireFile(file(peapodHome, pod), "pod \"" + pod + "\"", command);
  }

  /**
   * Takes the lock in {@code file} without waiting; what {@link #acquire(Path, String, String)}
   * does for a pod, for other things that one process at a time may change.
   *
   * @param what names the locked thing in the refusal, e.g. {@code the apply lock}
   */
  public static PodLock acquireFile(Path file, String what, String command) {
    FileChannel channel = null;
    try {
      Files.createDirectories(file.getParent());
      channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null; // held by this JVM already: as locked as by anyone else
      }
      if (lock == null) {
        String holder = describeHolder(file);
        channel.close();
        throw new PodLockedException(what + " is locked by " + holder);
      }
      String record = ProcessHandle.current().pid() + "\n" + command + "\n" + Instant.now() + "\n";
      channel.truncate(0);
      // Not forced to disk: other processes read it from the page cache while the lock is held, and
      // after a crash the lock is free whatever the file says. An fsync here cost every pod command
      // 5-90 ms on a busy disk for nothing.
      channel.write(ByteBuffer.wrap(record.getBytes(StandardCharsets.UTF_8)), 0);
      return new PodLock(channel, lock);
    } catch (IOException e) {
      closeQuietly(channel);
      throw new UncheckedIOException("cannot lock " + what + " (" + file + ")", e);
    }
  }

  /** {@code pid 1234 (peapod start web) since 12:00:01}, from what the holder wrote. */
  static String describeHolder(Path file) {
    String[] lines;
    try {
      lines = Files.readString(file, StandardCharsets.UTF_8).split("\n");
    } catch (IOException e) {
      return "another peapod process";
    }
    if (lines.length < 3 || lines[0].isBlank()) {
      return "another peapod process"; // it has the lock but has not written itself in yet
    }
    String since;
    try {
      since = SINCE.format(Instant.parse(lines[2].trim()).atZone(ZoneId.systemDefault()));
    } catch (DateTimeParseException e) {
      since = lines[2].trim();
    }
    return "pid " + lines[0].trim() + " (" + lines[1].trim() + ") since " + since;
  }

  @Override
  public void close() {
    try {
      channel.truncate(0);
    } catch (IOException ignored) {
      // the text only matters while the lock is held
    }
    try {
      lock.release();
    } catch (IOException ignored) {
      // closing the channel releases it too
    }
    closeQuietly(channel);
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // nothing to do
      }
    }
  }
}
