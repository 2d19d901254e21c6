package dev.peapod.provider;

import java.util.Objects;
import java.util.Optional;

/**
 * A pod-level volume that containers mount: an emptyDir (a fresh directory in
 * guest memory, shared by the containers that mount it and gone with the pod)
 * or a hostPath (a host file or directory).
 *
 * @param name DNS-1123 label, unique within the pod
 * @param sizeLimitBytes emptyDir: upper bound, or 0 for none (bounded by guest RAM)
 * @param hostPath the host file or directory, or null for an emptyDir
 */
public record VolumeSpec(String name, long sizeLimitBytes, HostPath hostPath) {
  public VolumeSpec {
    Objects.requireNonNull(name, "name");
    if (sizeLimitBytes < 0) {
      throw new IllegalArgumentException("sizeLimit must not be negative: " + sizeLimitBytes);
    }
  }

  /** An emptyDir volume with a size limit (0: none). */
  public VolumeSpec(String name, long sizeLimitBytes) {
    this(name, sizeLimitBytes, null);
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
