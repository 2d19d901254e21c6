package dev.peapod.images;

/**
 * Bounds on the image data a store accepts, so that a hostile image fails with an
 * {@link ImageLimitException} instead of filling the disk or the heap: a few kilobytes of
 * gzip can expand to gigabytes of zeros, a sparse file can claim an exabyte of holes that
 * mkfs.erofs would write out, and tar and JSON metadata are read into memory. The
 * defaults are far above any real image's; {@link ImageStore.Builder#limits} changes them.
 *
 * @param maxUnpackedBytes all files of an image together, counted at their full logical
 *     size (holes of sparse files included), across every layer
 * @param maxEntries tar entries of an image, across every layer (whiteouts included)
 * @param maxFileBytes one file's logical size: its tar size, or a sparse file's {@code realsize}
 * @param maxHeaderBytes the metadata read into memory for one tar entry (its PAX records, GNU
 *     long name and link), and again for all PAX global headers of a layer together
 * @param maxConfigBytes the image config blob, which is read whole
 * @param maxManifestBytes a manifest or index (and {@code index.json}/{@code manifest.json} of
 *     archives), which are read whole
 */
public record ImageLimits(
    long maxUnpackedBytes,
    long maxEntries,
    long maxFileBytes,
    int maxHeaderBytes,
    int maxConfigBytes,
    int maxManifestBytes) {

  /** 8 GiB unpacked, 1,000,000 entries, 4 GiB per file, 1 MiB of headers per entry, 4 MiB configs and manifests. */
  public static final ImageLimits DEFAULT = new ImageLimits(8L << 30, 1_000_000, 4L << 30, 1 << 20, 4 << 20, 4 << 20);

  public ImageLimits {
    if (maxUnpackedBytes <= 0 || maxEntries <= 0 || maxFileBytes <= 0 || maxHeaderBytes < 512
        || maxConfigBytes <= 0 || maxManifestBytes <= 0) {
      throw new IllegalArgumentException("image limits must be positive (maxHeaderBytes at least 512): " + this);
    }
  }

  public ImageLimits withMaxUnpackedBytes(long value) {
    return new ImageLimits(value, maxEntries, maxFileBytes, maxHeaderBytes, maxConfigBytes, maxManifestBytes);
  }

  public ImageLimits withMaxEntries(long value) {
    return new ImageLimits(maxUnpackedBytes, value, maxFileBytes, maxHeaderBytes, maxConfigBytes, maxManifestBytes);
  }

  public ImageLimits withMaxFileBytes(long value) {
    return new ImageLimits(maxUnpackedBytes, maxEntries, value, maxHeaderBytes, maxConfigBytes, maxManifestBytes);
  }

  public ImageLimits withMaxHeaderBytes(int value) {
    return new ImageLimits(maxUnpackedBytes, maxEntries, maxFileBytes, value, maxConfigBytes, maxManifestBytes);
  }

  public ImageLimits withMaxConfigBytes(int value) {
    return new ImageLimits(maxUnpackedBytes, maxEntries, maxFileBytes, maxHeaderBytes, value, maxManifestBytes);
  }

  public ImageLimits withMaxManifestBytes(int value) {
    return new ImageLimits(maxUnpackedBytes, maxEntries, maxFileBytes, maxHeaderBytes, maxConfigBytes, value);
  }

  /** 4 GiB, 1 MiB, 512 bytes: exact binary units where they divide evenly. */
  public static String bytes(long value) {
    String[] units = {"bytes", "KiB", "MiB", "GiB", "TiB"};
    int unit = 0;
    long v = value;
    while (unit < units.length - 1 && v >= 1024 && v % 1024 == 0) {
      v /= 1024;
      unit++;
    }
    return v + " " + units[unit];
  }
}
