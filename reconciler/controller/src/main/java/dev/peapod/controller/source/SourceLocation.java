package dev.peapod.controller.source;

import java.nio.file.Path;

/**
 * Where a source's manifests are, as written after {@code --source}: {@code dir:PATH} or
 * {@code git:URL#REF//PATH} ({@code git:git://127.0.0.1/pods.git#main//prod}; REF and PATH
 * optional: the default branch and the repository's root).
 */
public sealed interface SourceLocation {

  /** The owner string of pods the source creates. */
  String owner();

  record Directory(Path path) implements SourceLocation {
    @Override
    public String owner() {
      return "dir:" + path;
    }
  }

  record Git(String url, String ref, String path) implements SourceLocation {
    @Override
    public String owner() {
      return "git:" + url + "#" + ref + "//" + path;
    }
  }

  /** @throws IllegalArgumentException saying what is wrong, for a location that is neither form */
  static SourceLocation parse(String text) {
    if (text.startsWith("dir:")) {
      String path = text.substring(4);
      if (path.isEmpty()) {
        throw new IllegalArgumentException("source \"" + text + "\": dir: needs a path");
      }
      return new Directory(Path.of(path).toAbsolutePath().normalize());
    }
    if (text.startsWith("git:")) {
      String rest = text.substring(4);
      String path = "";
      int slashes = rest.indexOf("//", rest.indexOf("://") + 3);
      int hash = rest.lastIndexOf('#');
      if (slashes >= 0 && slashes > hash) {
        path = rest.substring(slashes + 2);
        rest = rest.substring(0, slashes);
      }
      String ref = "";
      hash = rest.lastIndexOf('#');
      if (hash >= 0) {
        ref = rest.substring(hash + 1);
        rest = rest.substring(0, hash);
      }
      if (rest.isEmpty()) {
        throw new IllegalArgumentException("source \"" + text + "\": git: needs a repository URL");
      }
      return new Git(rest, ref.isEmpty() ? "main" : ref, path);
    }
    throw new IllegalArgumentException("source \"" + text + "\": expected dir:PATH or git:URL#REF//PATH");
  }
}
