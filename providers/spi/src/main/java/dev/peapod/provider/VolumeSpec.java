package dev.peapod.provider;

import java.util.Objects;
import java.util.Optional;

/**
 * A pod-level volume that containers mount: an emptyDir (a fresh directory in
 * guest memory, shared by the containers that mount it and gone with the pod),
 * a hostPath (a host file or directory), or a volume of files the host gives
 * (a {@link FileSet}: ConfigMap, Secret, downward API or HyperContainer files,
 * kept by guest-init in guest memory and mounted read-only).
 *
 * @param name DNS-1123 label, unique within the pod
 * @param sizeLimitBytes emptyDir: upper bound, or 0 for none (bounded by guest RAM)
 * @param hostPath the host file or directory, or null for an emptyDir
 * @param fileSet the files of a volume of files, or null
 */
public record VolumeSpec(String name, long sizeLimitBytes, HostPath hostPath, FileSet fileSet) {
  public VolumeSpec {
    Objects.requireNonNull(name, "name");
    if (sizeLimitBytes < 0) {
      throw new IllegalArgumentException("sizeLimit must not be negative: " + sizeLimitBytes);
    }
    if (hostPath != null && fileSet != null) {
      throw new IllegalArgumentException("volume \"" + name + "\" cannot be a hostPath and files");
    }
  }

  public VolumeSpec(String name, long sizeLimitBytes, HostPath hostPath) {
    this(name, sizeLimitBytes, hostPath, null);
  }

  /** An emptyDir volume with a size limit (0: none). */
  public VolumeSpec(String name, long sizeLimitBytes) {
    this(name, sizeLimitBytes, null, null);
  }

  /** A volume of files: {@code files} in guest memory, mounted read-only by every container. */
  public static VolumeSpec files(String name, FileSet files) {
    return new VolumeSpec(name, 0, null, Objects.requireNonNull(files, "files"));
  }

  /** The files, if this is a volume of files. */
  public Optional<FileSet> files() {
    return Optional.ofNullable(fileSet);
  }

  public static VolumeSpec emptyDir(String name) {
    return new VolumeSpec(name, 0);
  }

  public static VolumeSpec hostPath(String name, HostPath hostPath) {
    return new VolumeSpec(name, 0, Objects.requireNonNull(hostPath, "hostPath"));
  }

  /** The host file or directory, if this is a hostPath volume. */
  public Optional<HostPath> host() {
    return Optional.ofNullable(hostPath);
  }
}
