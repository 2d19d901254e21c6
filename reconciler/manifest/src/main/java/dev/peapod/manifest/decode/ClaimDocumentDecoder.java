package dev.peapod.manifest.decode;

import dev.peapod.manifest.model.ClaimDecl;
import dev.peapod.manifest.model.Quantity;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A {@code kind: PersistentVolumeClaim} (v1) document beside the pods: read for what Peapod can
 * honour of it, its size and access modes; the rest of a claim only means something to a
 * cluster's provisioners and is refused or tolerated with the reason ({@link Shapes#CLAIM}).
 */
final class ClaimDocumentDecoder {
  private ClaimDocumentDecoder() {}

  private static final Map<String, String> ACCESS_MODES = new LinkedHashMap<>();
  private static final Map<String, String> VOLUME_MODES = Map.of("Filesystem", "Filesystem");

  static {
    for (String mode : List.of("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod")) {
      ACCESS_MODES.put(mode, mode);
    }
  }

  static Optional<ClaimDecl> decode(MapReader doc) {
    doc.string("apiVersion");
    doc.string("kind");
    String namespace = ClaimDecl.DEFAULT_NAMESPACE;
    String name = "";
    Optional<MapReader> metadata = doc.object("metadata", Shapes.METADATA);
    if (metadata.isPresent()) {
      namespace = metadata.get().peekText("namespace").orElse(ClaimDecl.DEFAULT_NAMESPACE);
      name = MetadataDecoder.decode(metadata.get()).name();
    } else {
      doc.problems().error(doc.position(), doc.path("metadata"), "required field is missing");
    }
    Optional<Quantity> storage = Optional.empty();
    List<String> modes = List.of();
    Optional<MapReader> spec = doc.object("spec", Shapes.CLAIM_SPEC);
    if (spec.isPresent()) {
      MapReader s = spec.get();
      modes = s.strings("accessModes");
      for (int i = 0; i < modes.size(); i++) {
        if (!ACCESS_MODES.containsKey(modes.get(i))) {
          s.problems().error(s.peekList("accessModes").get(i), s.path("accessModes").index(i),
              "unknown access mode \"" + modes.get(i) + "\": expected one of "
                  + String.join(", ", ACCESS_MODES.keySet()));
        }
      }
      s.choice("volumeMode", VOLUME_MODES);
      storage = s.object("resources", Shapes.CLAIM_RESOURCES).flatMap(ClaimDocumentDecoder::storage);
      s.finish();
    }
    doc.finish();
    return name.isEmpty() ? Optional.empty()
        : Optional.of(new ClaimDecl(namespace, name, storage, modes));
  }

  private static Optional<Quantity> storage(MapReader resources) {
    Optional<Quantity> storage = resources.object("requests", Shapes.CLAIM_STORAGE)
        .flatMap(requests -> {
          Optional<Quantity> q = requests.quantity("storage");
          requests.finish();
          return q;
        });
    resources.object("limits", Shapes.CLAIM_STORAGE).ifPresent(limits -> {
      limits.quantity("storage");
      limits.finish();
    });
    resources.finish();
    return storage;
  }
}
