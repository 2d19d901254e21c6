package dev.peapod.images.layer;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The OCI whiteout rules: {@code .wh.NAME} deletes NAME from lower layers, and
 * {@code .wh..wh..opq} empties its directory of everything lower layers put there.
 * Tracks what the current layer wrote, because an opaque marker must not delete
 * siblings from its own layer whatever their order in the tar.
 */
final class Whiteouts {
  static final String PREFIX = ".wh.";
  static final String OPAQUE = ".wh..wh..opq";
  /** Other {@code .wh..wh.} names are AUFS bookkeeping (e.g. {@code .wh..wh.plnk}), never content. */
  static final String META_PREFIX = ".wh..wh.";

  /** Root-relative paths written by the current layer, with all their ancestors. */
  private final Set<String> writtenThisLayer = new HashSet<>();

  void startLayer() {
    writtenThisLayer.clear();
  }

  void written(List<String> components) {
    for (int i = 1; i <= components.size(); i++) {
      writtenThisLayer.add(LayerPath.join(components.subList(0, i)));
    }
  }

  static boolean isWhiteout(String baseName) {
    return baseName.startsWith(PREFIX);
  }

  /** Deletes whatever {@code path} is (a directory with its content), never following links. True if something was there. */
  static boolean delete(Path path) throws IOException {
    BasicFileAttributes attributes = ScopedResolver.attributesOrNull(path);
    if (attributes == null) {
      return false;
    }
    if (!attributes.isDirectory()) {
      Files.delete(path);
      return true;
    }
    // walkFileTree does not follow symlinks unless asked, so a link inside is removed, not its target
    Files.walkFileTree(path, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.delete(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
        if (e != null) {
          throw e;
        }
        Files.delete(dir);
        return FileVisitResult.CONTINUE;
      }
    });
    return true;
  }

  /**
   * Empties {@code directory} except for what this layer wrote (and their ancestors);
   * {@code removed} is told of each deleted child.
   */
  void opaque(Path directory, ScopedResolver resolver, Consumer<Path> removed) throws IOException {
    BasicFileAttributes attributes = ScopedResolver.attributesOrNull(directory);
    if (attributes == null || !attributes.isDirectory()) {
      return;
    }
    try (DirectoryStream<Path> children = Files.newDirectoryStream(directory)) {
      for (Path child : children) {
        if (!writtenThisLayer.contains(LayerPath.join(resolver.relative(child)))) {
          delete(child);
          removed.accept(child);
        } else if (Files.isDirectory(child, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          opaque(child, resolver, removed);
        }
      }
    }
  }
}
