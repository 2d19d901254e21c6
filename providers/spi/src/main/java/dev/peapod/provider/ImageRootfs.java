package dev.peapod.provider;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A read-only root filesystem image on the host (erofs today), shared by every
 * pod that uses it.
 *
 * @param id content digest or other stable identity, e.g. {@code sha256:ab12...};
 *     two specs naming the same id name the same bytes
 * @param path the image file
 */
public record ImageRootfs(String id, Path path) {
  public ImageRootfs {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(path, "path");
  }
}
