package dev.peapod.provider;

import java.util.Objects;
import java.util.Optional;

/**
 * A pod-level volume that containers mount: an emptyDir (a fresh directory in
 * guest memory, shared by the containers that mount it and gone with the pod),
 * a hostPath (a host file or directory), a volume of files the host gives
 * (a {@link FileSet}: ConfigMap, Secret, downward API or HyperContainer files,
 * kept by guest-init in guest memory and mounted read-only), or an image (a
 * read-only image file, attached as container images are).
 *
 * @param name DNS-1123 label, unique within the pod
 * @param sizeLimitBytes emptyDir: upper bound, or 0 for none (bounded by guest RAM)
 * @param hostPath the host file or directory, or null
 * @param fileSet the files of a volume of files, or null
 * @param mode emptyDir: its permission bits (0-01777), or null for 0777
 * @param image the image of an image volume, or null
 */
public record VolumeSpec(String name, long sizeLimitBytes, HostPath hostPath, FileSet fileSet, Integer mode,
    ImageRootfs image) {
  /** The largest emptyDir mode: rwx for all and the sticky bit, as Kubernetes allows. */
  public static final int MAX_MODE = 01777;

  public VolumeSpec {
    Objects.requireNonNull(name, "name");
    if (sizeLimitBytes < 0) {
      throw new IllegalArgumentException("sizeLimit must not be negative: " + sizeLimitBytes);
    }
    if (mode != null && (mode < 0 || mode > MAX_MODE)) {
      throw new IllegalArgumentException("mode must be in 0-01777: " + Integer.toOctalString(mode));
    }
    int kinds = (hostPath != null ? 1 : 0) + (fileSet != null ? 1 : 0) + (image != null ? 1 : 0);
    if (kinds > 1) {
      throw new IllegalArgumentException("volume \"" + name + "\" can be only one of a hostPath, files and an image");
    }
  }

  public VolumeSpec(String name, long sizeLimitBytes, HostPath hostPath, FileSet fileSet) {
    this(name, sizeLimitBytes, hostPath, fileSet, null, null);
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

  /** An emptyDir volume with a size limit (0: none) and permission bits (null: 0777). */
  public static VolumeSpec emptyDir(String name, long sizeLimitBytes, Integer mode) {
    return new VolumeSpec(name, sizeLimitBytes, null, null, mode, null);
  }

  /** An image mounted read-only. */
  public static VolumeSpec image(String name, ImageRootfs image) {
    return new VolumeSpec(name, 0, null, null, null, Objects.requireNonNull(image, "image"));
  }

  /** The image, if this is an image volume. */
  public Optional<ImageRootfs> imageRootfs() {
    return Optional.ofNullable(image);
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
