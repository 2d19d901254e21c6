package dev.peapod.images.oci;

import com.github.luben.zstd.ZstdInputStream;
import dev.peapod.images.UnsupportedMediaTypeException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/** How a layer blob is compressed, from its media type or (for docker-save files) its first bytes. */
public enum LayerCompression {
  NONE,
  GZIP,
  ZSTD,
  /** Unknown up front (docker-save archives carry no media types): decided from magic bytes. */
  DETECT;

  private static final int BUFFER = 1 << 16;

  /**
   * The compression a layer media type declares.
   *
   * @throws UnsupportedMediaTypeException for foreign/non-distributable Docker layers and unknown types
   */
  public static LayerCompression of(String mediaType, String image) {
    return switch (mediaType) {
      case MediaTypes.OCI_LAYER, MediaTypes.DOCKER_LAYER,
          "application/vnd.oci.image.layer.nondistributable.v1.tar" -> NONE;
      case MediaTypes.OCI_LAYER_GZIP, MediaTypes.DOCKER_LAYER_GZIP,
          "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip" -> GZIP;
      case MediaTypes.OCI_LAYER_ZSTD,
          "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd" -> ZSTD;
      default -> throw new UnsupportedMediaTypeException(image, "unsupported layer media type \"" + mediaType + "\""
          + (mediaType.contains("foreign") ? " (foreign layers must be fetched from external URLs, which Peapod does not do)" : ""));
    };
  }

  /** Wraps a compressed layer stream so that it reads the uncompressed tar. */
  public InputStream decompress(InputStream compressed) throws IOException {
    return switch (this) {
      case NONE -> new BufferedInputStream(compressed, BUFFER);
      case GZIP -> new GZIPInputStream(compressed, BUFFER);
      case ZSTD -> new BufferedInputStream(new ZstdInputStream(compressed), BUFFER);
      case DETECT -> detect(compressed);
    };
  }

  private static InputStream detect(InputStream in) throws IOException {
    BufferedInputStream buffered = new BufferedInputStream(in, BUFFER);
    buffered.mark(4);
    byte[] magic = buffered.readNBytes(4);
    buffered.reset();
    if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
      return GZIP.decompress(buffered);
    }
    if (magic.length == 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5
        && (magic[2] & 0xff) == 0x2f && (magic[3] & 0xff) == 0xfd) {
      return ZSTD.decompress(buffered);
    }
    return buffered;
  }
}
