package dev.peapod.images.oci;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peapod.images.ImageFormatException;
import dev.peapod.images.PlatformNotFoundException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** An OCI image index or Docker manifest list: one manifest per platform. */
public record ImageIndex(String mediaType, List<Descriptor> manifests) {
  public ImageIndex {
    manifests = List.copyOf(manifests);
  }

  public static ImageIndex parse(byte[] json, String mediaType, String image) {
    JsonNode node = OciJson.readObject(json, "image index", image);
    String declared = OciJson.text(node, "mediaType");
    JsonNode list = node.get("manifests");
    if (list == null || !list.isArray()) {
      throw new ImageFormatException(image, "image index has no manifests array");
    }
    List<Descriptor> manifests = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      manifests.add(Descriptor.parse(list.get(i), "entry " + (i + 1) + " of the image index", image));
    }
    return new ImageIndex(declared != null ? declared : mediaType, manifests);
  }

  /**
   * The manifest for a platform. Entries without a platform are skipped: in indexes
   * from registries they are attestations or other artifacts, not runnable images.
   *
   * @throws PlatformNotFoundException listing the platforms the index does have
   */
  public Descriptor select(Platform wanted, String image) {
    for (Descriptor entry : manifests) {
      if (entry.platform() != null && wanted.accepts(entry.platform())
          && (MediaTypes.isManifest(entry.mediaType()) || MediaTypes.isIndex(entry.mediaType()))) {
        return entry;
      }
    }
    String available = manifests.stream()
        .filter(d -> d.platform() != null)
        .map(d -> d.platform().toString())
        .distinct()
        .collect(Collectors.joining(", "));
    throw new PlatformNotFoundException(image, "no image for platform " + wanted + " in the index"
        + (available.isEmpty() ? " (it lists no platforms)" : " (it has " + available + ")"));
  }
}
