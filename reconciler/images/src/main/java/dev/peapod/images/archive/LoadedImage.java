package dev.peapod.images.archive;

import dev.peapod.images.reference.ImageReference;
import dev.peapod.images.store.ImageBlueprint;
import java.util.List;

/**
 * One image found in an archive or layout, with its blobs already in the store.
 *
 * @param blueprint what to build
 * @param names the references the archive gives it (RepoTags, ref.name annotations); may be empty
 */
public record LoadedImage(ImageBlueprint blueprint, List<ImageReference> names) {
  public LoadedImage {
    names = List.copyOf(names);
  }
}
