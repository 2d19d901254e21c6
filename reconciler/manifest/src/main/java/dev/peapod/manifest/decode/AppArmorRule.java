package dev.peapod.manifest.decode;

import dev.peapod.manifest.source.Position;
import dev.peapod.manifest.source.SourceList;
import dev.peapod.manifest.source.SourceMap;
import dev.peapod.manifest.source.SourceNode;
import dev.peapod.manifest.source.SourceScalar;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What ties the AppArmor annotation ({@code container.apparmor.security.beta.kubernetes.io/NAME})
 * to the pod, as Kubernetes' API server checks it on create: the annotation names a container of
 * the pod, and where a container also has {@code appArmorProfile} (its own, else the pod's) both
 * say the same. Each form on its own is checked where it is decoded ({@link SecurityContexts}),
 * by one rule: RuntimeDefault and Unconfined accepted, Localhost refused (the guest kernel has no
 * AppArmor). Together they must agree, so that a manifest means one thing whichever form a reader
 * looks at.
 */
final class AppArmorRule {
  private AppArmorRule() {}

  static final String ANNOTATION = "container.apparmor.security.beta.kubernetes.io/";

  /** An {@code appArmorProfile.type} as written, and where. */
  private record FieldType(String type, Position at) {}

  static void check(SourceNode metadata, SourceNode spec, Problems problems) {
    if (!(metadata instanceof SourceMap meta) || !(meta.get("annotations").orElse(null) instanceof SourceMap annotations)
        || !(spec instanceof SourceMap podSpec)) {
      return;
    }
    Optional<FieldType> podLevel = fieldType(podSpec.get("securityContext"));
    Map<String, Optional<FieldType>> containers = new LinkedHashMap<>();
    for (String list : new String[] {"initContainers", "containers"}) {
      if (podSpec.get(list).orElse(null) instanceof SourceList items) {
        for (SourceNode item : items.items()) {
          if (item instanceof SourceMap c && text(c.get("name")).isPresent()) {
            containers.put(text(c.get("name")).get(), fieldType(c.get("securityContext")));
          }
        }
      }
    }
    FieldPath path = FieldPath.ROOT.field("metadata").field("annotations");
    for (SourceMap.Entry entry : annotations.entries()) {
      if (!entry.key().startsWith(ANNOTATION) || text(Optional.of(entry.value())).isEmpty()) {
        continue;
      }
      String container = entry.key().substring(ANNOTATION.length());
      String value = text(Optional.of(entry.value())).get();
      if (!containers.containsKey(container)) {
        problems.error(entry.keyPosition(), path.key(entry.key()), "the pod has no container \"" + container
            + "\": the AppArmor annotation names the container it is for");
        continue;
      }
      Optional<FieldType> field = containers.get(container).or(() -> podLevel);
      Optional<String> annotated = typeOf(value);
      if (field.isPresent() && annotated.isPresent() && !annotated.get().equals(field.get().type())) {
        problems.error(entry.keyPosition(), path.key(entry.key()), "AppArmor profile \"" + value
            + "\" disagrees with appArmorProfile type " + field.get().type() + " at line " + field.get().at().line()
            + " (as Kubernetes requires, the annotation and the field must say the same; keep one)");
      }
    }
  }

  /** The field form's type for an annotation's value; empty for a value the annotation check refuses. */
  static Optional<String> typeOf(String annotation) {
    if (annotation.equals("runtime/default")) {
      return Optional.of("RuntimeDefault");
    }
    if (annotation.equals("unconfined")) {
      return Optional.of("Unconfined");
    }
    return annotation.startsWith("localhost/") ? Optional.of("Localhost") : Optional.empty();
  }

  private static Optional<FieldType> fieldType(Optional<SourceNode> securityContext) {
    if (securityContext.orElse(null) instanceof SourceMap context
        && context.get("appArmorProfile").orElse(null) instanceof SourceMap profile) {
      Optional<SourceNode> type = profile.get("type");
      return text(type).map(t -> new FieldType(t, type.get().position()));
    }
    return Optional.empty();
  }

  private static Optional<String> text(Optional<SourceNode> node) {
    return node.filter(n -> n instanceof SourceScalar s && s.type() == SourceScalar.ScalarType.STRING)
        .map(n -> ((SourceScalar) n).text());
  }
}
