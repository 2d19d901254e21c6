package dev.peapod.provider;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A host file or directory shared into the pod, as a Kubernetes {@code hostPath}
 * volume. Containers see the host's bytes: what they write is on the host at
 * once, and the other way round.
 *
 * @param path absolute path on the host
 * @param type what must be at {@code path} before the pod starts
 */
public record HostPath(Path path, Type type) {

  /** Kubernetes' hostPath types that Peapod supports, with their checks. */
  public enum Type {
    /** No check; whatever is at the path (a directory or a file) is shared. */
    UNSET(""),
    /** A directory must exist. */
    DIRECTORY("Directory"),
    /** A directory, created (0755) with its parents when missing. */
    DIRECTORY_OR_CREATE("DirectoryOrCreate"),
    /** A regular file must exist. */
    FILE("File"),
    /** A regular file, created empty (0644) when missing; its directory must exist. */
    FILE_OR_CREATE("FileOrCreate");

    private final String manifestName;

    Type(String manifestName) {
      this.manifestName = manifestName;
    }

    /** The name as a manifest writes it ("" for {@link #UNSET}). */
    public String manifestName() {
      return manifestName;
    }

    /** The type named {@code name} in a manifest, or null if Peapod does not support it. */
    public static Type fromManifest(String name) {
      for (Type t : values()) {
        if (t.manifestName.equals(name == null ? "" : name)) {
          return t;
        }
      }
      return null;
    }
  }

  public HostPath {
    Objects.requireNonNull(path, "path");
    if (!path.isAbsolute()) {
      throw new IllegalArgumentException("hostPath must be absolute: " + path);
    }
    path = path.normalize();
    type = type == null ? Type.UNSET : type;
  }
}
