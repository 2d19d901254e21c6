package dev.peapod.controller.source;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Calls back once a directory tree has been quiet for a moment after a change: an editor's save
 * or a {@code git pull} touches several files, and one sync should follow, not one per file. New
 * subdirectories are watched as they appear. A missed event costs latency only: the source's
 * interval reads it anyway.
 */
public final class DirectoryWatcher implements AutoCloseable {

  private final WatchService watcher;
  private final Thread thread;

  public DirectoryWatcher(Path root, Duration quiet, Runnable onChange) throws IOException {
    this.watcher = FileSystems.getDefault().newWatchService();
    registerTree(root);
    this.thread = new Thread(() -> loop(quiet, onChange), "watch " + root.getFileName());
    thread.setDaemon(true);
    thread.start();
  }

  private void registerTree(Path root) throws IOException {
    if (!Files.isDirectory(root)) {
      return;
    }
    try (Stream<Path> dirs = Files.walk(root)) {
      for (Path dir : (Iterable<Path>) dirs.filter(Files::isDirectory)::iterator) {
        dir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
            StandardWatchEventKinds.ENTRY_DELETE);
      }
    }
  }

  private void loop(Duration quiet, Runnable onChange) {
    try {
      while (true) {
        WatchKey key = watcher.take();
        drain(key);
        // Debounce: wait until nothing more happens for `quiet`.
        WatchKey more;
        while ((more = watcher.poll(quiet.toMillis(), TimeUnit.MILLISECONDS)) != null) {
          drain(more);
        }
        onChange.run();
      }
    } catch (InterruptedException | ClosedWatchServiceException e) {
      // closed
    }
  }

  private void drain(WatchKey key) {
    for (var event : key.pollEvents()) {
      if (event.context() instanceof Path name && key.watchable() instanceof Path dir) {
        Path child = dir.resolve(name);
        if (event.kind() == StandardWatchEventKinds.ENTRY_CREATE && Files.isDirectory(child)) {
          try {
            registerTree(child);
          } catch (IOException ignored) {
            // the interval catches what this misses
          }
        }
      }
    }
    key.reset();
  }

  @Override
  public void close() throws IOException {
    watcher.close();
    thread.interrupt();
  }
}
