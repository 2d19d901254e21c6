package dev.peapod.images.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Locks that hold across threads of this JVM and across processes sharing the store.
 * A file lock alone is per process (a second lock on the same file from another thread
 * throws), so each is paired with an in-JVM lock taken first.
 *
 * <ul>
 *   <li>{@link #exclusive(String)}: one holder per name, e.g. a blob being downloaded or an image being built.
 *   <li>{@link #shared()} / {@link #collector()}: pulls and loads hold the shared side for their
 *       whole run; prune takes the exclusive side, so it never deletes a blob a running pull
 *       has written but not yet referenced.
 * </ul>
 */
public final class StoreLocks {
  private final Path dir;
  private final ConcurrentHashMap<String, ReentrantLock> named = new ConcurrentHashMap<>();
  private final ReentrantReadWriteLock gc = new ReentrantReadWriteLock();
  private final Object gcFileGuard = new Object();
  private int sharedHolders;
  private FileChannel sharedChannel;
  private FileLock sharedFileLock;

  public StoreLocks(Path dir) {
    this.dir = dir;
  }

  /** A held lock; closing releases it. */
  public interface Held extends AutoCloseable {
    @Override
    void close();
  }

  /** Blocks until this JVM and every other process have released {@code name}. */
  public Held exclusive(String name) {
    ReentrantLock jvm = named.computeIfAbsent(name, n -> new ReentrantLock());
    jvm.lock();
    try {
      FileChannel channel = open(name);
      FileLock lock = channel.lock();
      return () -> {
        try {
          lock.release();
          channel.close();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        } finally {
          jvm.unlock();
        }
      };
    } catch (IOException | RuntimeException e) {
      jvm.unlock();
      throw e instanceof IOException io ? new UncheckedIOException("cannot lock " + name, io) : (RuntimeException) e;
    }
  }

  /** The shared side of the collector lock: held while adding to the store. */
  public Held shared() {
    gc.readLock().lock();
    try {
      synchronized (gcFileGuard) {
        if (sharedHolders == 0) {
          sharedChannel = open("gc");
          sharedFileLock = sharedChannel.lock(0, Long.MAX_VALUE, true);
        }
        sharedHolders++;
      }
    } catch (IOException | RuntimeException e) {
      gc.readLock().unlock();
      throw e instanceof IOException io ? new UncheckedIOException("cannot lock the image store", io) : (RuntimeException) e;
    }
    return () -> {
      try {
        synchronized (gcFileGuard) {
          if (--sharedHolders == 0) {
            sharedFileLock.release();
            sharedChannel.close();
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } finally {
        gc.readLock().unlock();
      }
    };
  }

  /** The exclusive side of the collector lock: held while removing from the store. */
  public Held collector() {
    gc.writeLock().lock();
    try {
      FileChannel channel = open("gc");
      FileLock lock = channel.lock();
      return () -> {
        try {
          lock.release();
          channel.close();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        } finally {
          gc.writeLock().unlock();
        }
      };
    } catch (IOException | RuntimeException e) {
      gc.writeLock().unlock();
      throw e instanceof IOException io ? new UncheckedIOException("cannot lock the image store", io) : (RuntimeException) e;
    }
  }

  private FileChannel open(String name) throws IOException {
    // READ too: a shared lock needs a readable channel
    return FileChannel.open(dir.resolve(name + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE);
  }
}
