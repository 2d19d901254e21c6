package dev.peapod.images.oci;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peapod.images.ImageFormatException;
import dev.peapod.images.UnsupportedMediaTypeException;
import java.util.ArrayList;
import java.util.List;

/**
 * A single-platform image manifest (OCI or Docker v2 schema 2): a config and layers,
 * bottom layer first.
 */
public record Manifest(String mediaType, Descriptor config, List<Descriptor> layers) {
  public Manifest {
    layers = List.copyOf(layers);
  }

  /**
   * Parses a manifest and checks that Peapod can use it: a known manifest type, an
   * image config (not some other OCI artifact), and layers of supported types.
   *
   * @param mediaType the type the registry or index declared; the document's own
   *     {@code mediaType} field wins when present
   */
  public static Manifest parse(byte[] json, String mediaType, String image) {
    JsonNode node = OciJson.readObject(json, "manifest", image);
    String declared = OciJson.text(node, "mediaType");
    String type = declared != null ? declared : mediaType;
    if (type == null && node.has("config") && node.has("layers")) {
      type = MediaTypes.OCI_MANIFEST; // the OCI spec makes mediaType optional in early manifests
    }
    if (type == null || !MediaTypes.isManifest(type)) {
      throw new UnsupportedMediaTypeException(image, "unsupported manifest media type \"" + type + "\""
          + (type != null && type.contains("manifest.v1") ? " (Docker schema 1 images must be re-pushed with a current tool)" : ""));
    }
    Descriptor config = Descriptor.parse(node.get("config"), "manifest config", image);
    if (!MediaTypes.CONFIGS.contains(config.mediaType())) {
      throw new UnsupportedMediaTypeException(image, "not a container image: config media type \""
          + config.mediaType() + "\"");
    }
    JsonNode layersNode = node.get("layers");
    if (layersNode == null || !layersNode.isArray()) {
      throw new ImageFormatException(image, "manifest has no layers array");
    }
    List<Descriptor> layers = new ArrayList<>();
    for (int i = 0; i < layersNode.size(); i++) {
      Descriptor layer = Descriptor.parse(layersNode.get(i), "layer " + (i + 1) + " of the manifest", image);
      LayerCompression.of(layer.mediaType(), image); // refuses unsupported layer types before any download
      layers.add(layer);
    }
    return new Manifest(type, config, layers);
  }
}
