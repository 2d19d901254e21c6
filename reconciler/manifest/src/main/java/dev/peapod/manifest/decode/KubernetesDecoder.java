package dev.peapod.manifest.decode;

import dev.peapod.manifest.model.ManifestSpec;
import dev.peapod.manifest.model.PodMetadata;
import java.util.Optional;

/** A Kubernetes-style object: a PeaPod, or a v1 Pod (same spec fields minus Peapod's own). */
final class KubernetesDecoder {
  private KubernetesDecoder() {}

  record Decoded(PodMetadata metadata, ManifestSpec spec) {}

  static Optional<Decoded> decode(MapReader doc, Shape specShape) {
    doc.string("apiVersion"); // checked by DocumentDecoder before choosing the shape
    doc.string("kind");
    Optional<PodMetadata> metadata = doc.object("metadata", Shapes.METADATA).map(MetadataDecoder::decode);
    if (!doc.has("metadata")) {
      doc.problems().error(doc.position(), doc.path("metadata"), "required field is missing");
    }
    String name = metadata.map(PodMetadata::name).orElse("");
    Optional<ManifestSpec> spec = doc.object("spec", specShape).map(s -> SpecDecoder.decode(s, name));
    if (!doc.has("spec")) {
      doc.problems().error(doc.position(), doc.path("spec"), "required field is missing");
    }
    AppArmorRule.check(doc.peek("metadata").orElse(null), doc.peek("spec").orElse(null), doc.problems());
    doc.finish();
    if (metadata.isEmpty() || spec.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new Decoded(metadata.get(), spec.get()));
  }
}
