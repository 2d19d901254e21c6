package dev.peapod.images.store;

import dev.peapod.files.AtomicFiles;
import dev.peapod.images.DigestMismatchException;
import dev.peapod.images.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Content-addressed blobs. A blob only ever appears under its digest after it was
 * written in full to a temp file and hashed to that digest; then it is renamed into
 * place, so a reader never sees a partial or wrong blob, and a crash leaves only a temp
 * file that the next open removes.
 */
// "try": locks are held by try-with-resources blocks that never touch the lock object.
@SuppressWarnings("try")
public final class BlobStore {
  private static final int BUFFER = 1 << 17;

  private final StoreLayout layout;
  private final TempSpace temp;
  private final StoreLocks locks;
  private final SingleFlight<Digest, Boolean> filling = new SingleFlight<>();

  public BlobStore(StoreLayout layout, TempSpace temp, StoreLocks locks) {
    this.layout = layout;
    this.temp = temp;
    this.locks = locks;
  }

  /** Fills a missing blob, by {@code put} calls in {@code fill}. */
  @FunctionalInterface
  public interface Filler {
    void fill() throws IOException;
  }

  /**
   * Makes sure a blob is present, running {@code fill} only if it is not. Concurrent
   * callers for the same digest — threads here or other processes — wait for the one
   * doing the work instead of downloading it again.
   *
   * @return true if it was filled now (by this call or a concurrent one it waited for), false if it was there before
   */
  public boolean ensure(Digest digest, Filler fill) throws IOException {
    if (has(digest)) {
      return false;
    }
    try {
      return filling.run(digest, () -> {
        try (StoreLocks.Held lock = locks.exclusive("blob-" + digest.hex())) {
          if (has(digest)) {
            return false;
          }
          fill.fill();
          return true;
        }
      });
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException(e);
    }
  }

  public boolean has(Digest digest) {
    return Files.isRegularFile(layout.blob(digest));
  }

  public Path path(Digest digest) {
    return layout.blob(digest);
  }

  public InputStream open(Digest digest) throws IOException {
    return Files.newInputStream(layout.blob(digest));
  }

  public byte[] read(Digest digest) throws IOException {
    return Files.readAllBytes(layout.blob(digest));
  }

  /**
   * Stores {@code content} as {@code expected}, verifying size and digest while it streams.
   * Reading stops at {@code expectedSize + 1} bytes, so an endless or oversized stream
   * from a hostile source cannot fill the disk.
   *
   * @param what names the content in errors ("layer sha256:... of busybox:latest")
   * @param progress told the running byte count; may be null
   * @throws DigestMismatchException when size or digest differ
   */
  public Path put(Digest expected, long expectedSize, InputStream content, String what, LongConsumer progress)
      throws IOException {
    Path tmp = temp.newPath("blob");
    try {
      MessageDigest hash = expected.newMessageDigest();
      long size = copy(content, tmp, hash, expectedSize < 0 ? Long.MAX_VALUE : expectedSize + 1, progress);
      if (expectedSize >= 0 && size != expectedSize) {
        throw new DigestMismatchException(what, "expected " + expectedSize + " bytes for " + expected
            + ", got " + (size > expectedSize ? "more" : size));
      }
      if (!expected.matches(hash)) {
        throw new DigestMismatchException(what, "content does not match its digest " + expected);
      }
      return moveIntoPlace(tmp, expected);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Stores content whose digest is not known up front (docker-save members); adds the
   * digest to {@code added} when the blob was not in the store before.
   */
  public Digest putComputedIfAbsent(InputStream content, java.util.Set<Digest> added) throws IOException {
    Path tmp = temp.newPath("blob");
    try {
      MessageDigest hash = Digest.newSha256();
      copy(content, tmp, hash, Long.MAX_VALUE, null);
      Digest digest = new Digest("sha256", HexFormat.of().formatHex(hash.digest()));
      if (!has(digest)) {
        moveIntoPlace(tmp, digest);
        added.add(digest);
      }
      return digest;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  public Digest putBytes(byte[] bytes) throws IOException {
    Digest digest = Digest.sha256(bytes);
    if (!has(digest)) {
      put(digest, bytes.length, new java.io.ByteArrayInputStream(bytes), "blob " + digest, null);
    }
    return digest;
  }

  public List<Digest> list() throws IOException {
    List<Digest> digests = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(layout.blobsDir())) {
      for (Path entry : entries) {
        try {
          digests.add(new Digest("sha256", entry.getFileName().toString()));
        } catch (IllegalArgumentException e) {
          // not a blob name: ignore rather than guess
        }
      }
    }
    return digests;
  }

  /** Deletes a blob; returns the bytes freed. */
  public long delete(Digest digest) throws IOException {
    Path path = layout.blob(digest);
    long size = Files.exists(path) ? Files.size(path) : 0;
    Files.deleteIfExists(path);
    return size;
  }

  private Path moveIntoPlace(Path tmp, Digest digest) throws IOException {
    Path target = layout.blob(digest);
    Files.createDirectories(target.getParent());
    if (Files.exists(target)) {
      return target; // same digest, same bytes: someone else stored it first
    }
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    AtomicFiles.syncDirectory(target.getParent());
    return target;
  }

  private static long copy(InputStream in, Path tmp, MessageDigest hash, long limit, LongConsumer progress)
      throws IOException {
    long total = 0;
    byte[] buffer = new byte[BUFFER];
    try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        OutputStream out = Channels.newOutputStream(channel)) {
      int n;
      while (total < limit && (n = in.read(buffer, 0, (int) Math.min(buffer.length, limit - total))) > 0) {
        hash.update(buffer, 0, n);
        out.write(buffer, 0, n);
        total += n;
        if (progress != null) {
          progress.accept(total);
        }
      }
      channel.force(false); // durable before the rename makes it visible, or a power cut could expose a torn blob
    }
    return total;
  }
}
