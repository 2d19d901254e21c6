package dev.peapod.provider.qemu;

import java.nio.file.Path;

/**
 * A hostPath volume's virtio-9p device: QEMU exports {@code dir}; the guest
 * mounts it by {@code tag} and, when the volume is one file, binds just
 * {@code file} of it.
 *
 * @param volume the pod volume's name
 * @param tag the 9p mount tag, {@code peapod.vol.<volume>}
 * @param dir the host directory QEMU exports: the volume's directory, or for a one-file volume the
 *     pod's private directory holding only a hard link to that file
 * @param file the file's name in {@code dir}, or null when the volume is the directory
 * @param source the host path the volume names (the file of a one-file volume); null in records
 *     written before one-file volumes had private directories, where it was {@code dir/file}
 * @param readOnly whether QEMU exports it read-only: every mount of the volume is readOnly
 */
public record HostShare(String volume, String tag, Path dir, String file, Path source, boolean readOnly) {

  public HostShare {
    if (source == null) {
      source = file == null ? dir : dir.resolve(file);
    }
  }

  static String tagFor(String volume) {
    return "peapod.vol." + volume;
  }

  /**
   * Why a VM running with {@code other} cannot take this share for the same volume, for a recreate
   * reason; null if it can.
   */
  String differenceFrom(HostShare other) {
    if (!source.equals(other.source) || (file == null) != (other.file == null)) {
      return "hostPath volume \"" + volume + "\" changes from " + other.source + " to " + source;
    }
    // A writable export whose mounts all became read-only still refuses writes (each mount is a
    // read-only bind in the guest): only the other way round needs a new VM.
    if (other.readOnly && !readOnly) {
      return "hostPath volume \"" + volume + "\" is now mounted writable, and its export is read-only";
    }
    if (other.file != null && other.dir.equals(other.source.getParent()) && !dir.equals(other.dir)) {
      return "hostPath volume \"" + volume + "\" (" + source + ") is now shared through "
          + dir + " (the running VM exports " + other.dir + ")";
    }
    return null;
  }

  /**
   * This share once the pod directory's one-file share directories are {@code hostFilesNow} (a
   * hand-over moves them); a directory volume, or a file volume of an older Peapod that exported
   * the file's own directory, stays as it is.
   */
  public HostShare movedTo(Path hostFilesNow) {
    if (file == null || dir.equals(source.getParent())) {
      return this;
    }
    return new HostShare(volume, tag, hostFilesNow.resolve(volume), file, source, readOnly);
  }

  Path hostPath() {
    return source;
  }
}
