package dev.peapod.images.archive;

import dev.peapod.images.DigestMismatchException;
import dev.peapod.images.ImageFormatException;
import dev.peapod.images.ImageLimitException;
import dev.peapod.images.ImageLimits;
import dev.peapod.images.oci.Descriptor;
import dev.peapod.images.oci.Digest;
import dev.peapod.images.oci.LayerCompression;
import dev.peapod.images.store.BlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An OCI archive or {@code docker save} file, read in one pass (it may be a pipe, and
 * the index can come after the blobs): every regular member goes straight into the
 * blob store — those under {@code blobs/ALG/HEX} verified against their name — and the
 * small JSON files are kept in memory. Members no image uses are removed again by
 * {@link #discardUnused}.
 */
final class StreamedArchive implements LayoutContent {
  private static final Set<String> METADATA = Set.of("oci-layout", "index.json", "manifest.json", "repositories");

  private final BlobStore blobs;
  private final String image;
  /** index.json and manifest.json are held in memory: at most this big (maxManifestBytes). */
  private final int maxMetadataBytes;
  private final Map<String, byte[]> metadata = new HashMap<>();
  private final Map<String, Digest> stored = new HashMap<>();
  private final Set<Digest> addedByUs = new HashSet<>();
  private final Set<Digest> used = new HashSet<>();

  private StreamedArchive(BlobStore blobs, String image, int maxMetadataBytes) {
    this.blobs = blobs;
    this.image = image;
    this.maxMetadataBytes = maxMetadataBytes;
  }

  /** Reads the whole archive (plain, gzip or zstd compressed tar). */
  static StreamedArchive read(Path file, BlobStore blobs, String image, ImageLimits limits) throws IOException {
    StreamedArchive archive = new StreamedArchive(blobs, image, limits.maxManifestBytes());
    try (InputStream in = LayerCompression.DETECT.decompress(Files.newInputStream(file))) {
      TarReader tar = new TarReader(in, limits.maxHeaderBytes());
      TarEntry entry;
      while ((entry = tar.next()) != null) {
        if (entry.type() == TarEntry.Type.FILE) {
          archive.member(normalize(entry.name()), tar.content());
        }
      }
    } catch (TarFormatException e) {
      throw new ImageFormatException(image, "not a readable tar archive: " + e.getMessage(), e);
    } catch (TarLimitException e) {
      throw new ImageLimitException(image, "archive: " + e.getMessage());
    }
    return archive;
  }

  private void member(String name, InputStream content) throws IOException {
    if (METADATA.contains(name)) {
      byte[] bytes = content.readNBytes(maxMetadataBytes + 1);
      if (bytes.length > maxMetadataBytes) {
        throw new ImageLimitException(image, name + " in the archive is larger than the limit maxManifestBytes ("
            + ImageLimits.bytes(maxMetadataBytes) + ")");
      }
      metadata.put(name, bytes);
      return;
    }
    Digest named = digestFromBlobPath(name);
    if (named != null) {
      boolean existed = blobs.has(named);
      if (!existed) {
        blobs.put(named, -1, content, image + " " + name, null);
        addedByUs.add(named);
      }
      stored.put(name, named);
      return;
    }
    Digest digest = blobs.putComputedIfAbsent(content, addedByUs);
    stored.put(name, digest);
  }

  @Override
  public byte[] file(String name) {
    return metadata.get(name);
  }

  @Override
  public void importBlob(Descriptor descriptor) throws IOException {
    Digest digest = descriptor.digest();
    if (!blobs.has(digest)) {
      throw new ImageFormatException(image, "archive lacks blob " + digest);
    }
    long size = Files.size(blobs.path(digest));
    if (size != descriptor.size()) {
      throw new DigestMismatchException(image, "blob " + digest + " has " + size + " bytes, its descriptor says "
          + descriptor.size());
    }
    used.add(digest);
  }

  @Override
  public Digest storedFile(String path) {
    Digest digest = stored.get(normalize(path));
    if (digest != null) {
      used.add(digest);
    }
    return digest;
  }

  /** Marks blobs as used that the loader stored itself (generated manifests). */
  void markUsed(List<Digest> digests) {
    used.addAll(digests);
  }

  /** Deletes what this archive added to the store but no loaded image needs (old-format json, VERSION files). */
  void discardUnused() throws IOException {
    for (Digest digest : addedByUs) {
      if (!used.contains(digest)) {
        blobs.delete(digest);
      }
    }
  }

  private static Digest digestFromBlobPath(String name) {
    String[] parts = name.split("/");
    if (parts.length == 3 && parts[0].equals("blobs")) {
      try {
        return new Digest(parts[1], parts[2]);
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
    return null;
  }

  private static String normalize(String name) {
    String n = name;
    while (n.startsWith("./")) {
      n = n.substring(2);
    }
    while (n.startsWith("/")) {
      n = n.substring(1);
    }
    return n;
  }
}
