package dev.peapod.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Replaces files so that a reader, a process killed half way or a power cut finds the old
 * content or the new, never a mix or nothing: the bytes go to a temporary file in the same
 * directory, which is fsynced, renamed over the target, and then the directory is fsynced.
 * The file fsync comes before the rename because ext4 and xfs may otherwise commit the
 * rename before the data (a zero-length record after a crash); the directory fsync makes
 * the rename itself survive. Temporary files are created 0600 and named {@code .NAME*.tmp};
 * one left by a killed process is harmless and is not read by anyone.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** Replaces (or creates) {@code file} with {@code bytes}, durably. The parent directory must exist. */
  public static void write(Path file, byte[] bytes) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Path temp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
    try {
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(true);
      }
      moveIntoPlace(temp, file);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /**
   * Renames a finished, already fsynced file or directory over {@code target} (same file
   * system) and fsyncs the target's directory. Where the file system has no atomic rename,
   * a plain replacing move is the best there is.
   */
  public static void moveIntoPlace(Path source, Path target) throws IOException {
    try {
      Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(source, target, StandardCopyOption.REPLACE_EXISTING);
    }
    syncDirectory(target.toAbsolutePath().getParent());
  }

  /** fsyncs a file written by other means (e.g. by another program) before it is renamed into place. */
  public static void force(Path file) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      channel.force(true);
    }
  }

  /** Makes a rename, creation or deletion in {@code dir} durable. */
  public static void syncDirectory(Path dir) throws IOException {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }
}
