package dev.peapod.images.layer;

import dev.peapod.images.archive.TarEntry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;

/**
 * Directory modes and mtimes, held back until the last layer: writing children would change
 * the mtimes, and a read-only mode would stop a non-root caller from writing them.
 *
 * <p>Directories are kept by their root-relative, link-free components as they were when
 * written, never by host path: a later entry may replace any of those components with a
 * symlink, and a chmod by host path would then follow it out of the root (a layer with
 * {@code x/etc} mode 0777 and then {@code x -> /} made the host's {@code /etc} 0777). So
 * {@link #apply} walks each path again without following a single link and skips a
 * directory that is no longer there as a directory; and what an entry deletes is forgotten,
 * so a directory recreated at the same path later does not inherit the old one's mode.
 */
final class DeferredDirectoryMetadata {
  /** Joined components ("" is the root), in path order, so a subtree is one key range. */
  private final TreeMap<String, Deferred> directories = new TreeMap<>();

  private record Deferred(List<String> components, TarEntry entry) {}

  /** Remembers (or replaces) what to set on the directory at these link-free components. */
  void add(List<String> components, TarEntry entry) {
    directories.put(LayerPath.join(components), new Deferred(List.copyOf(components), entry));
  }

  /** Forgets the directory at {@code removed} and everything under it: it was deleted. */
  void forget(List<String> removed) {
    if (removed.isEmpty()) {
      directories.clear();
      return;
    }
    String path = LayerPath.join(removed);
    directories.remove(path);
    directories.subMap(path + "/", path + "0").clear(); // '0' follows '/': exactly the paths under it
  }

  /**
   * Sets every remembered mode and mtime, deepest first (so a parent's read-only mode cannot
   * stop a non-root caller from reaching its children). Each path is resolved again with no
   * link followed; one that is gone or went through a symlink is skipped, since nothing the
   * image will show lives there.
   */
  void apply(ScopedResolver resolver, FileMetadata metadata) throws IOException {
    List<Deferred> deepestFirst = new ArrayList<>(directories.values());
    deepestFirst.sort(Comparator.comparingInt((Deferred d) -> d.components().size()).reversed());
    for (Deferred directory : deepestFirst) {
      Path path = resolver.directoryWithoutLinks(directory.components());
      if (path != null) {
        metadata.mode(path, directory.entry().mode());
        FileMetadata.mtime(path, directory.entry().mtime());
      }
    }
  }
}
