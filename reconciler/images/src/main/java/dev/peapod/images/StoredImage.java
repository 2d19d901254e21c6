package dev.peapod.images;

import dev.peapod.images.oci.Digest;
import dev.peapod.images.oci.ImageConfig;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * An image in the store, ready to boot: what {@code peapod image ls} lists and
 * {@code peapod image inspect} shows.
 *
 * @param id the config digest (Docker's image id); names the same bytes everywhere
 * @param references the references that point at it, fully qualified and sorted; empty for a dangling image
 * @param manifest the manifest it was built from
 * @param rootfs the read-only erofs root filesystem file
 * @param config the image config (entrypoint, cmd, env, workdir, user, ports, labels)
 * @param rootfsBytes size of the rootfs file
 * @param built when the rootfs was built
 * @param source where it came from: the reference it was first pulled as, or the archive path
 */
public record StoredImage(
    Digest id,
    List<String> references,
    Digest manifest,
    Path rootfs,
    ImageConfig config,
    long rootfsBytes,
    Instant built,
    String source) {

  public StoredImage {
    references = List.copyOf(references);
  }

  /** The short id Docker shows, 12 hex digits. */
  public String shortId() {
    return id.shortHex();
  }
}
