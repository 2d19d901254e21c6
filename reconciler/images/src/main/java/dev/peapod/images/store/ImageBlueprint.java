package dev.peapod.images.store;

import dev.peapod.images.ImageFormatException;
import dev.peapod.images.oci.Digest;
import dev.peapod.images.oci.ImageConfig;
import dev.peapod.images.oci.Manifest;
import java.util.Objects;

/**
 * Everything needed to build one image, before any layer is fetched.
 *
 * @param image the name used in messages (reference as the user wrote it, or archive path)
 * @param manifestDigest digest of the manifest
 * @param manifest the parsed manifest
 * @param configBytes the config blob, verbatim
 * @param config the parsed config
 */
public record ImageBlueprint(String image, Digest manifestDigest, Manifest manifest, byte[] configBytes, ImageConfig config) {
  public ImageBlueprint {
    Objects.requireNonNull(image, "image");
    Objects.requireNonNull(manifestDigest, "manifestDigest");
    if (config.diffIds().size() != manifest.layers().size()) {
      throw new ImageFormatException(image, "manifest lists " + manifest.layers().size()
          + " layers but the config has " + config.diffIds().size() + " diff ids");
    }
  }

  /** The image id: the config digest, as in Docker. */
  public Digest id() {
    return manifest.config().digest();
  }
}
