package dev.peapod.images;

import dev.peapod.images.oci.Descriptor;
import dev.peapod.images.oci.Digest;
import java.time.Duration;

/**
 * Progress of a pull or load, for progress bars and logs. Methods may be called from
 * several download threads at once; implementations must be thread-safe and quick.
 * Every method has a do-nothing default.
 */
public interface PullListener {
  /** Ignores everything. */
  PullListener NONE = new PullListener() {};

  /** The reference resolved to this manifest and image id (config digest). */
  default void resolved(String image, Digest manifest, Digest imageId) {}

  /** The image is already in the store: nothing to download or build. */
  default void alreadyPresent(String image, Digest imageId) {}

  /** A layer download starts; {@code layer.size()} is the total. */
  default void layerStarted(Descriptor layer) {}

  /** Bytes of a layer downloaded so far (called at most every few hundred KiB). */
  default void layerProgress(Descriptor layer, long bytes) {}

  /** A layer is in the store, downloaded now or already there ({@code cached}). */
  default void layerDone(Descriptor layer, boolean cached) {}

  /** A download failed for a reason worth retrying; it is retried after {@code delay}. */
  default void retrying(String what, int attempt, Duration delay, String reason) {}

  /** Layers are being applied and the erofs image built. */
  default void building(String image, Digest imageId) {}

  /** The erofs image is in place. */
  default void built(String image, Digest imageId, Duration took) {}

  /** Something was not kept (an xattr the file system refused, a device node as non-root). */
  default void warning(String image, String message) {}
}
