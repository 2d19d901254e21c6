package dev.peapod.images.archive;

import dev.peapod.images.oci.Descriptor;
import java.io.IOException;

/** The files of an image layout or archive, whichever form it came in. */
interface LayoutContent {
  /** A small top-level file (index.json, manifest.json) or null when absent. */
  byte[] file(String name) throws IOException;

  /** Puts the blob a descriptor names into the store, verified; fails if the content lacks it. */
  void importBlob(Descriptor descriptor) throws IOException;

  /** The digest of an arbitrary file of the content (docker-save names layers by path), stored as a blob; null when absent. */
  dev.peapod.images.oci.Digest storedFile(String path) throws IOException;
}
