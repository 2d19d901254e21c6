package dev.peapod.manifest;

import dev.peapod.manifest.diag.Diagnostics;
import dev.peapod.manifest.model.ConfigObject;
import dev.peapod.manifest.model.PodManifest;

/** The one message for two documents declaring the same pod (or ConfigMap, or Secret), in one file or in two. */
final class DuplicateNames {
  private DuplicateNames() {}

  static void report(PodManifest duplicate, PodManifest first, Diagnostics diagnostics) {
    diagnostics.error(duplicate.origin().file(), duplicate.origin().line(),
        duplicate.origin().column(), nameField(duplicate),
        "duplicate pod name \"" + duplicate.name() + "\" (also declared at "
            + first.origin() + ")");
  }

  static void report(ConfigObject duplicate, ConfigObject first, Diagnostics diagnostics) {
    diagnostics.error(duplicate.file(), duplicate.line(), duplicate.column(), "metadata.name",
        "duplicate " + duplicate.kind().kubernetesKind() + " \"" + duplicate.namespace() + "/" + duplicate.name()
            + "\" (also declared at " + first.declaredAt() + ")");
  }

  private static String nameField(PodManifest pod) {
    return switch (pod.origin().kind()) {
      case HYPERCONTAINER -> "id";
      default -> "metadata.name";
    };
  }
}
