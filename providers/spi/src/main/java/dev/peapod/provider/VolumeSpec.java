package dev.peapod.provider;

import java.util.Objects;

/**
 * A pod-level emptyDir volume: a fresh directory in guest memory, shared by the
 * containers that mount it and gone with the pod.
 *
 * @param name DNS-1123 label, unique within the pod
 * @param sizeLimitBytes upper bound, or 0 for none (bounded by guest RAM)
 */
public record VolumeSpec(String name, long sizeLimitBytes) {
  public VolumeSpec {
    Objects.requireNonNull(name, "name");
    if (sizeLimitBytes < 0) {
      throw new IllegalArgumentException("sizeLimit must not be negative: " + sizeLimitBytes);
    }
  }

  public static VolumeSpec emptyDir(String name) {
    return new VolumeSpec(name, 0);
  }
}
