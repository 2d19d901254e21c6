package dev.peapod.controller.source;

import java.nio.file.Path;

/**
 * Where a source's manifests are, as written after {@code --source}: {@code dir:PATH},
 * {@code git:URL#REF//PATH} ({@code git:git://127.0.0.1/pods.git#main//prod}; REF and PATH
 * optional: the default branch and the repository's root) or {@code k8s:[NODE]} (the PeaPods bound
 * to this node in the cluster the Kubernetes client finds).
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

  /**
   * The PeaPod custom resources bound to {@code node}: not one desired state planned as a whole,
   * but one source per PeaPod, each owning its one pod as {@code k8s:NAMESPACE/NAME}, which the
   * node agent ({@code dev.peapod.kubernetes.NodeAgent}) plans and reconciles.
   */
  record Kubernetes(String node) implements SourceLocation {
    @Override
    public String owner() {
      return "k8s:";
    }
  }

  /** @throws IllegalArgumentException saying what is wrong, for a location that is neither form */
  static SourceLocation parse(String text) {
    if (text.startsWith("k8s:")) {
      // k8s: alone is this node (NODE_NAME, else the host name), resolved when the agent starts.
      return new Kubernetes(text.substring(4));
    }
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
    throw new IllegalArgumentException("source \"" + text + "\": expected dir:PATH, git:URL#REF//PATH or k8s:[NODE]");
  }
}
