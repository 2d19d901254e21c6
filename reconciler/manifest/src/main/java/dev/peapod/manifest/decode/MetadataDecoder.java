package dev.peapod.manifest.decode;

import dev.peapod.manifest.model.PodMetadata;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code metadata}: the pod name, namespace, labels and annotations, with Kubernetes' format rules. */
final class MetadataDecoder {
  private MetadataDecoder() {}

  /** Kubernetes' limit on all annotations of an object together. */
  private static final int MAX_ANNOTATIONS_BYTES = 256 * 1024;

  static PodMetadata decode(MapReader r) {
    String name = r.requiredString("name");
    if (!name.isEmpty()) {
      NameRules.dns1123Label(name).ifPresent(
          m -> r.problems().error(r.peek("name").orElseThrow(), r.path("name"), m));
    }
    String namespace = r.string("namespace").orElse("");
    if (!namespace.isEmpty()) {
      NameRules.dns1123Label(namespace).ifPresent(
          m -> r.problems().error(r.peek("namespace").orElseThrow(), r.path("namespace"), m));
    }
    Map<String, String> labels = labels(r);
    Map<String, String> annotations = annotations(r);
    r.finish();
    return new PodMetadata(name, labels, annotations, namespace);
  }

  private static Map<String, String> labels(MapReader r) {
    Map<String, String> labels = new LinkedHashMap<>();
    r.stringMap("labels").forEach((key, value) -> {
      NameRules.qualifiedKey(key).ifPresent(m -> r.problems().error(value.position(), value.path(), m));
      NameRules.labelValue(value.value()).ifPresent(
          m -> r.problems().error(value.position(), value.path(), m));
      labels.put(key, value.value());
    });
    return labels;
  }

  private static Map<String, String> annotations(MapReader r) {
    Map<String, String> annotations = new LinkedHashMap<>();
    int bytes = 0;
    for (Map.Entry<String, Located<String>> entry : r.stringMap("annotations").entrySet()) {
      Located<String> value = entry.getValue();
      NameRules.qualifiedKey(entry.getKey()).ifPresent(
          m -> r.problems().error(value.position(), value.path(), m));
      SecurityContexts.appArmorAnnotation(entry.getKey(), value, r.problems());
      bytes += (entry.getKey() + value.value()).getBytes(StandardCharsets.UTF_8).length;
      annotations.put(entry.getKey(), value.value());
    }
    if (bytes > MAX_ANNOTATIONS_BYTES) {
      r.problems().error(r.peek("annotations").orElseThrow(), r.path("annotations"),
          "annotations are " + bytes + " bytes together; the limit is " + MAX_ANNOTATIONS_BYTES);
    }
    return annotations;
  }
}
