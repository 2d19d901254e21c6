package dev.peapod.provider.qemu;

import java.nio.file.Path;

/**
 * A hostPath volume's virtio-9p device: QEMU exports {@code dir}; the guest
 * mounts it by {@code tag} and, when the volume is one file, binds just
 * {@code file} of it.
 *
 * @param volume the pod volume's name
 * @param tag the 9p mount tag, {@code peapod.vol.<volume>}
 * @param dir the host directory QEMU exports (a file's directory for a one-file volume)
 * @param file the file's name in {@code dir}, or null when the volume is the directory
 */
public record HostShare(String volume, String tag, Path dir, String file) {

  static String tagFor(String volume) {
    return "peapod.vol." + volume;
  }

  /** What differs from {@code other} for the same volume, for a recreate reason; null if nothing. */
  String differenceFrom(HostShare other) {
    if (!dir.equals(other.dir) || !java.util.Objects.equals(file, other.file)) {
      return "hostPath volume \"" + volume + "\" changes from " + other.hostPath() + " to " + hostPath();
    }
    return null;
  }

  Path hostPath() {
    return file == null ? dir : dir.resolve(file);
  }
}
