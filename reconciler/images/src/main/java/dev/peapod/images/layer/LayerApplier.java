package dev.peapod.images.layer;

import dev.peapod.images.DigestMismatchException;
import dev.peapod.images.ImageFormatException;
import dev.peapod.images.ImageLimitException;
import dev.peapod.images.ImageLimits;
import dev.peapod.images.UnsafeLayerException;
import dev.peapod.images.archive.TarEntry;
import dev.peapod.images.archive.TarFormatException;
import dev.peapod.images.archive.TarLimitException;
import dev.peapod.images.archive.TarReader;
import dev.peapod.images.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Applies image layers, bottom first, to a staging directory that becomes the root
 * filesystem: whiteouts, opaque directories, hardlinks, symlinks, devices, modes,
 * numeric ownership, xattrs and mtimes. No entry can write outside the root (see
 * {@link LayerPath} and {@link ScopedResolver}); one that tries fails the whole image
 * with an {@link UnsafeLayerException}.
 *
 * <p>Directory modes and mtimes are set after the last layer ({@link DeferredDirectoryMetadata}),
 * on paths resolved again without following any link.
 */
public final class LayerApplier {
  private static final System.Logger LOG = System.getLogger(LayerApplier.class.getName());

  private final ScopedResolver resolver;
  private final FileMetadata metadata;
  private final EntryWriter writer;
  private final Whiteouts whiteouts = new Whiteouts();
  private final DeferredDirectoryMetadata directories = new DeferredDirectoryMetadata();
  private final List<String> warnings = new ArrayList<>();
  private final boolean strictXattrs;
  private final ImageLimits limits;
  /** Entries and logical file bytes of all layers so far, against {@link #limits}. */
  private long entries;
  private long unpackedBytes;

  /**
   * @param root an empty directory that will hold the root filesystem
   * @param keepOwnership apply numeric uid/gid from the layers (needs root)
   */
  public LayerApplier(Path root, boolean keepOwnership) {
    this(root, keepOwnership, false);
  }

  /**
   * @param strictXattrs fail with {@link XattrNotKeptException} instead of warning when the
   *     file system refuses an xattr (so the caller can unpack somewhere that keeps it)
   */
  public LayerApplier(Path root, boolean keepOwnership, boolean strictXattrs) {
    this(root, keepOwnership, strictXattrs, ImageLimits.DEFAULT);
  }

  /** @param limits the bounds on entries and bytes of the whole image (all layers together) */
  public LayerApplier(Path root, boolean keepOwnership, boolean strictXattrs, ImageLimits limits) {
    this.strictXattrs = strictXattrs;
    this.limits = limits;
    this.resolver = new ScopedResolver(root);
    this.metadata = new FileMetadata(keepOwnership, root);
    this.writer = new EntryWriter(resolver, metadata, keepOwnership, this::removed);
  }

  /**
   * Applies one uncompressed layer tar and checks that it hashes to {@code diffId}
   * (the image config's {@code rootfs.diff_ids} entry) — the uncompressed content is
   * verified too, not only the compressed blob.
   *
   * @param image names the image in errors
   * @param layer names the layer in errors, e.g. "layer 2/5 sha256:ab12..."
   */
  public void apply(InputStream uncompressedTar, Digest diffId, String image, String layer) throws IOException {
    MessageDigest hash = diffId != null ? diffId.newMessageDigest() : Digest.newSha256();
    DigestInputStream hashed = new DigestInputStream(uncompressedTar, hash);
    TarReader tar = new TarReader(hashed, limits.maxHeaderBytes());
    whiteouts.startLayer();
    TarEntry entry = null;
    try {
      while ((entry = tar.next()) != null) {
        String limit = checkLimits(entry);
        if (limit != null) {
          throw new ImageLimitException(image, layer + ", entry \"" + entry.name() + "\": " + limit);
        }
        applyEntry(entry, tar, image + ": " + layer);
      }
      hashed.transferTo(OutputStream.nullOutputStream()); // trailing zero blocks count in the diff id
    } catch (EntryRejectedException e) {
      String where = layer + ", entry \"" + entry.name() + "\": " + e.getMessage();
      throw e.unsafe ? new UnsafeLayerException(image, where) : new ImageFormatException(image, where);
    } catch (TarLimitException e) {
      throw new ImageLimitException(image, layer + (entry != null ? ", after entry \"" + entry.name() + "\"" : "")
          + ": " + e.getMessage());
    } catch (TarFormatException | java.nio.file.InvalidPathException e) {
      throw new ImageFormatException(image, layer + (entry != null ? ", after entry \"" + entry.name() + "\"" : "")
          + ": " + e.getMessage(), e);
    }
    if (diffId != null && !diffId.matches(hash)) {
      throw new DigestMismatchException(image, layer + ": uncompressed content does not match diff id " + diffId);
    }
  }

  /** Counts the entry against the limits; what it exceeds, or null. Checked before anything is written. */
  private String checkLimits(TarEntry entry) {
    if (++entries > limits.maxEntries()) {
      return "the image has more than " + limits.maxEntries() + " entries, over the limit maxEntries";
    }
    if (entry.type() != TarEntry.Type.FILE) {
      return null;
    }
    if (entry.size() > limits.maxFileBytes()) {
      return (entry.isSparse() ? "sparse file of real size " : "file of ") + entry.size()
          + " bytes, over the limit maxFileBytes (" + ImageLimits.bytes(limits.maxFileBytes()) + ")";
    }
    unpackedBytes += entry.size();
    if (unpackedBytes > limits.maxUnpackedBytes()) {
      return "the files of the image add up to " + unpackedBytes + " bytes, over the limit maxUnpackedBytes ("
          + ImageLimits.bytes(limits.maxUnpackedBytes()) + ")";
    }
    return null;
  }

  /** Sets directory modes and mtimes; call once after the last layer. Returns warnings (xattrs not kept...). */
  public List<String> finish() throws IOException {
    directories.apply(resolver, metadata);
    return List.copyOf(warnings);
  }

  /** Something in the root was deleted: cached parents may be stale, and its directories' metadata is moot. */
  private void removed(Path path) {
    resolver.invalidate();
    directories.forget(resolver.relative(path));
  }

  private void applyEntry(TarEntry entry, TarReader tar, String layerName) throws EntryRejectedException, IOException {
    List<String> components = LayerPath.components(entry.name());
    if (components.isEmpty()) {
      if (entry.type() != TarEntry.Type.DIRECTORY) {
        throw EntryRejectedException.malformed("only a directory may name the root");
      }
      directories.add(List.of(), entry);
      metadata.ownership(resolver.root(), entry);
      return;
    }
    String base = components.get(components.size() - 1);
    if (Whiteouts.isWhiteout(base)) {
      applyWhiteout(components, base);
      return;
    }
    Path target = resolver.forWrite(components, whiteouts::written);
    whiteouts.written(resolver.relative(target));
    switch (entry.type()) {
      case DIRECTORY -> {
        writer.directory(target, entry);
        directories.add(resolver.relative(target), entry);
      }
      case FILE -> writer.file(target, entry, tar.content());
      case SYMLINK -> writer.symlink(target, entry);
      case HARDLINK -> writer.hardlink(target, entry);
      case CHAR_DEVICE, BLOCK_DEVICE, FIFO -> {
        if (!writer.special(target, entry)) {
          warnings.add("skipped device " + entry.name() + " (creating devices needs root)");
        }
      }
    }
    // NIO sets xattrs and times through open(), which would block on a FIFO and could
    // trigger a device driver: only regular files and directories get them here.
    boolean openable = entry.type() == TarEntry.Type.FILE || entry.type() == TarEntry.Type.DIRECTORY;
    if (openable) {
      List<String> dropped = new ArrayList<>();
      Map<String, byte[]> xattrs = LayerXattrs.allowed(entry.xattrs(), dropped);
      if (!dropped.isEmpty()) {
        LOG.log(System.Logger.Level.DEBUG, () -> layerName + ", entry \"" + entry.name() + "\": dropped xattrs " + dropped
            + " (overlayfs state and LSM labels are not an image's to set)");
      }
      for (String name : metadata.xattrs(target, xattrs)) {
        if (strictXattrs) {
          throw new XattrNotKeptException("xattr " + name + " of " + entry.name() + " not kept by " + resolver.root());
        }
        warnings.add("xattr " + name + " of " + entry.name() + " not kept by this file system");
      }
    }
    if (entry.type() == TarEntry.Type.FILE || entry.type() == TarEntry.Type.SYMLINK) {
      FileMetadata.mtime(target, entry.mtime()); // lutimes for links; directories wait for finish()
    }
  }

  private void applyWhiteout(List<String> components, String base) throws EntryRejectedException, IOException {
    if (base.equals(Whiteouts.OPAQUE)) {
      List<String> directory = components.subList(0, components.size() - 1);
      if (directory.isEmpty()) {
        whiteouts.opaque(resolver.root(), resolver, this::removed);
        return;
      }
      Path path = resolver.existing(directory);
      if (path != null && !Files.isSymbolicLink(path)) {
        whiteouts.opaque(path, resolver, this::removed);
      }
      return;
    }
    if (base.startsWith(Whiteouts.META_PREFIX)) {
      return;
    }
    String hidden = base.substring(Whiteouts.PREFIX.length());
    if (hidden.isEmpty() || hidden.equals(".") || hidden.equals("..")) {
      throw EntryRejectedException.unsafe("whiteout names no file");
    }
    List<String> victim = new ArrayList<>(components.subList(0, components.size() - 1));
    victim.add(hidden);
    Path path = resolver.existing(victim);
    if (path != null && Whiteouts.delete(path)) {
      removed(path);
    }
  }

  /** Where the root filesystem is being built. */
  public Path root() {
    return resolver.root();
  }
}
