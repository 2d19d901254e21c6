package dev.peapod.manifest.decode;

import dev.peapod.manifest.model.ConfigObject;
import dev.peapod.manifest.model.EnvFromDecl;
import dev.peapod.manifest.model.EnvSource;
import dev.peapod.manifest.model.Quantity;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code env[].valueFrom} and {@code envFrom[]}: exactly one source per variable, field paths and
 * resources as Kubernetes allows them for environment variables.
 */
final class EnvSourceDecoder {
  private EnvSourceDecoder() {}

  private static final Pattern LABEL_OR_ANNOTATION =
      Pattern.compile("metadata\\.(labels|annotations)\\['([^']+)'\\]");
  static final Set<String> FIELD_PATHS = Set.of("metadata.name", "metadata.namespace", "metadata.uid",
      "spec.nodeName", "spec.serviceAccountName", "status.podIP", "status.podIPs", "status.hostIP",
      "status.hostIPs");
  /** Peapod sizes CPU and memory only; ephemeral storage is the guest's memory and has no own limit. */
  static final Set<String> RESOURCES = Set.of("limits.cpu", "limits.memory", "requests.cpu", "requests.memory");

  /** The source of {@code valueFrom}, or empty after reporting why there is none. */
  static Optional<EnvSource> valueFrom(MapReader r) {
    List<EnvSource> sources = new ArrayList<>();
    r.object("fieldRef", Shapes.OBJECT_FIELD_SELECTOR).flatMap(EnvSourceDecoder::fieldRef).ifPresent(sources::add);
    r.object("resourceFieldRef", Shapes.RESOURCE_FIELD_SELECTOR).flatMap(EnvSourceDecoder::resourceFieldRef)
        .ifPresent(sources::add);
    r.object("configMapKeyRef", Shapes.KEY_SELECTOR).flatMap(k -> keyRef(k, ConfigObject.Kind.CONFIG_MAP))
        .ifPresent(sources::add);
    r.object("secretKeyRef", Shapes.KEY_SELECTOR).flatMap(k -> keyRef(k, ConfigObject.Kind.SECRET))
        .ifPresent(sources::add);
    r.finish();
    long written = r.peekFieldCount("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef");
    if (written != 1) {
      r.problems().error(r.position(), r.path(), written == 0
          ? "valueFrom needs one of fieldRef, resourceFieldRef, configMapKeyRef, secretKeyRef"
          : "valueFrom may have only one of fieldRef, resourceFieldRef, configMapKeyRef, secretKeyRef");
      return Optional.empty();
    }
    return sources.stream().findFirst();
  }

  private static Optional<EnvSource> fieldRef(MapReader r) {
    return fieldRef(r, FIELD_PATHS, "", "");
  }

  /**
   * A {@code fieldRef} (env's, or a downwardAPI volume file's): {@code allowed} are the field paths
   * besides single labels and annotations; {@code where} and {@code note} go into the refusal.
   */
  static Optional<EnvSource> fieldRef(MapReader r, Set<String> allowed, String where, String note) {
    r.string("apiVersion").filter(v -> !v.equals("v1")).ifPresent(v -> r.problems().error(
        r.peek("apiVersion").orElseThrow(), r.path("apiVersion"), "unsupported apiVersion \"" + v + "\": expected v1"));
    String path = r.requiredString("fieldPath");
    r.finish();
    if (path.isEmpty()) {
      return Optional.empty();
    }
    if (!allowed.contains(path) && !LABEL_OR_ANNOTATION.matcher(path).matches()) {
      r.problems().error(r.peek("fieldPath").orElseThrow(), r.path("fieldPath"), "unsupported fieldPath \"" + path
          + "\"" + where + ": must be one of " + String.join(", ", new java.util.TreeSet<>(allowed))
          + ", metadata.labels['KEY'], metadata.annotations['KEY']" + note);
      return Optional.empty();
    }
    return Optional.of(new EnvSource.FieldRef(path));
  }

  private static Optional<EnvSource> resourceFieldRef(MapReader r) {
    String container = r.string("containerName").orElse("");
    String resource = r.requiredString("resource");
    Optional<Quantity> divisor = r.quantity("divisor");
    r.finish();
    if (divisor.isPresent() && divisor.get().signum() <= 0) {
      r.problems().error(r.peek("divisor").orElseThrow(), r.path("divisor"), "must be greater than 0");
      return Optional.empty();
    }
    if (resource.isEmpty()) {
      return Optional.empty();
    }
    if (!RESOURCES.contains(resource)) {
      r.problems().error(r.peek("resource").orElseThrow(), r.path("resource"), "unsupported resource \""
          + resource + "\": must be one of " + String.join(", ", new java.util.TreeSet<>(RESOURCES)));
      return Optional.empty();
    }
    return Optional.of(new EnvSource.ResourceFieldRef(container, resource, divisor));
  }

  private static Optional<EnvSource> keyRef(MapReader r, ConfigObject.Kind kind) {
    String name = r.requiredString("name");
    String key = r.requiredString("key");
    boolean optional = r.bool("optional").orElse(false);
    r.finish();
    if (name.isEmpty() || key.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new EnvSource.KeyRef(kind, name, key, optional));
  }

  /** {@code envFrom[]}, each with exactly one of configMapRef and secretRef. */
  static List<EnvFromDecl> envFrom(MapReader container) {
    List<EnvFromDecl> out = new ArrayList<>();
    for (MapReader r : container.objects("envFrom", Shapes.ENV_FROM_SOURCE)) {
      String prefix = r.string("prefix").orElse("");
      Optional<EnvFromDecl> configMap = r.object("configMapRef", Shapes.OBJECT_REFERENCE)
          .flatMap(ref -> reference(ref, ConfigObject.Kind.CONFIG_MAP, prefix));
      Optional<EnvFromDecl> secret = r.object("secretRef", Shapes.OBJECT_REFERENCE)
          .flatMap(ref -> reference(ref, ConfigObject.Kind.SECRET, prefix));
      r.finish();
      if (r.peekFieldCount("configMapRef", "secretRef") != 1) {
        r.problems().error(r.position(), r.path(), "an envFrom entry needs exactly one of configMapRef, secretRef");
        continue;
      }
      configMap.or(() -> secret).ifPresent(out::add);
    }
    return out;
  }

  private static Optional<EnvFromDecl> reference(MapReader r, ConfigObject.Kind kind, String prefix) {
    String name = r.requiredString("name");
    boolean optional = r.bool("optional").orElse(false);
    r.finish();
    return name.isEmpty() ? Optional.empty() : Optional.of(new EnvFromDecl(kind, name, prefix, optional));
  }
}
