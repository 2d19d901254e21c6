package dev.peapod.provider;

import java.util.Objects;

/**
 * A volume mounted into a container, as a Kubernetes volumeMount.
 *
 * @param volume name of a {@link VolumeSpec} of the pod
 * @param mountPath absolute path in the container
 * @param readOnly whether the container may write
 * @param subPath a relative path inside the volume to mount instead of its root, or empty
 */
public record VolumeMount(String volume, String mountPath, boolean readOnly, String subPath) {
  public VolumeMount {
    Objects.requireNonNull(volume, "volume");
    Objects.requireNonNull(mountPath, "mountPath");
    subPath = subPath == null ? "" : subPath;
  }

  public static VolumeMount of(String volume, String mountPath) {
    return new VolumeMount(volume, mountPath, false, "");
  }
}
