package dev.peapod.images.archive;

import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One member of a tar stream with every extension (GNU long names, PAX records,
 * xattrs, sparse maps) already folded in.
 *
 * @param name path as stored, unsanitised; never trust it as a file system path
 * @param type what kind of member it is
 * @param mode permission bits including setuid, setgid and sticky (12 bits)
 * @param uid numeric owner
 * @param gid numeric group
 * @param size logical file size (the real size of a sparse file)
 * @param mtime modification time
 * @param linkName target of a symlink or hardlink, else empty
 * @param devMajor device major number for character and block devices
 * @param devMinor device minor number
 * @param xattrs extended attributes by full name ({@code security.capability}), raw bytes
 * @param sparse data segments of a sparse file; null for ordinary files
 */
public record TarEntry(
    String name,
    Type type,
    int mode,
    long uid,
    long gid,
    long size,
    FileTime mtime,
    String linkName,
    int devMajor,
    int devMinor,
    Map<String, byte[]> xattrs,
    List<SparseSegment> sparse) {

  /** Member kinds, from the tar typeflag. */
  public enum Type { FILE, HARDLINK, SYMLINK, CHAR_DEVICE, BLOCK_DEVICE, DIRECTORY, FIFO }

  public TarEntry {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    linkName = linkName == null ? "" : linkName;
    xattrs = xattrs == null ? Map.of() : Map.copyOf(xattrs);
    sparse = sparse == null ? null : List.copyOf(sparse);
  }

  public boolean isSparse() {
    return sparse != null;
  }
}
