package dev.peapod.images.oci;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peapod.images.ImageFormatException;
import java.util.Map;
import java.util.Objects;

/**
 * An OCI content descriptor: what a blob is, its digest and size.
 *
 * @param mediaType the blob's media type
 * @param digest content address, verified whenever the blob is read
 * @param size length in bytes; a blob of another length is refused
 * @param platform set in index entries, else null
 * @param annotations free-form annotations (e.g. {@code org.opencontainers.image.ref.name})
 */
public record Descriptor(String mediaType, Digest digest, long size, Platform platform, Map<String, String> annotations) {
  public Descriptor {
    Objects.requireNonNull(mediaType, "mediaType");
    Objects.requireNonNull(digest, "digest");
    annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
  }

  public Descriptor(String mediaType, Digest digest, long size) {
    this(mediaType, digest, size, null, null);
  }

  /** Reads a descriptor object; {@code what} names it in errors ("layer 2 of the manifest"). */
  public static Descriptor parse(JsonNode node, String what, String image) {
    if (node == null || !node.isObject()) {
      throw new ImageFormatException(image, what + " is missing or not an object");
    }
    String mediaType = OciJson.text(node, "mediaType");
    String digestText = OciJson.text(node, "digest");
    JsonNode size = node.get("size");
    if (mediaType == null || digestText == null || size == null || !size.canConvertToLong() || size.asLong() < 0) {
      throw new ImageFormatException(image, what + " lacks mediaType, digest or a valid size");
    }
    Digest digest;
    try {
      digest = Digest.parse(digestText);
    } catch (IllegalArgumentException e) {
      throw new ImageFormatException(image, what + ": " + e.getMessage());
    }
    Platform platform = null;
    JsonNode p = node.get("platform");
    if (p != null && p.isObject() && OciJson.text(p, "os") != null && OciJson.text(p, "architecture") != null) {
      platform = new Platform(OciJson.text(p, "os"), OciJson.text(p, "architecture"), OciJson.text(p, "variant"));
    }
    return new Descriptor(mediaType, digest, size.asLong(), platform, OciJson.stringMap(node, "annotations"));
  }

  /** The annotation, or null. */
  public String annotation(String key) {
    return annotations.get(key);
  }
}
