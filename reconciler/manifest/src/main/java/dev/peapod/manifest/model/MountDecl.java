package dev.peapod.manifest.model;

import java.util.Objects;

/**
 * A {@code volumeMounts} entry.
 *
 * @param volume name of a volume of the pod
 * @param mountPath absolute path in the container
 * @param readOnly whether the container may write
 * @param subPath relative path inside the volume to mount instead of its root, or empty
 */
public record MountDecl(String volume, String mountPath, boolean readOnly, String subPath) {
  public MountDecl {
    Objects.requireNonNull(volume, "volume");
    Objects.requireNonNull(mountPath, "mountPath");
    subPath = subPath == null ? "" : subPath;
  }
}
