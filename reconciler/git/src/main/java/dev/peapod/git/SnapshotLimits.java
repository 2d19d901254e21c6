package dev.peapod.git;

/**
 * Bounds on what one snapshot may hold, since the repository is someone else's: a commit with a
 * huge file or millions of small ones must fail clearly, not fill the disk.
 *
 * @param maxBytes total size of the regular files materialised
 * @param maxFiles number of regular files and directories materialised
 */
public record SnapshotLimits(long maxBytes, int maxFiles) {
  /** 256 MiB and 50,000 entries: far above a repository of manifests. */
  public static final SnapshotLimits DEFAULT = new SnapshotLimits(256L << 20, 50_000);

  public SnapshotLimits {
    if (maxBytes <= 0 || maxFiles <= 0) {
      throw new IllegalArgumentException("snapshot limits must be positive: " + maxBytes + " bytes, " + maxFiles + " files");
    }
  }
}
