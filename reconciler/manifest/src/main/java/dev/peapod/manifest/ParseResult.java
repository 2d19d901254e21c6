package dev.peapod.manifest;

import dev.peapod.manifest.diag.Diagnostics;
import dev.peapod.manifest.model.ConfigObject;
import dev.peapod.manifest.model.ClaimDecl;
import dev.peapod.manifest.model.PodManifest;
import java.util.List;

/**
 * What reading manifests gave: the pods of every valid document, and all problems found. A
 * document with an error gives no pod; the other documents of the file still do.
 *
 * @param manifests valid pods, in file and document order
 * @param diagnostics errors and warnings, in the order found
  * @param configObjects the valid ConfigMap and Secret documents next to the pods, in file order
 * @param claims the {@code kind: PersistentVolumeClaim} documents read beside the pods (already
 *     bound to the pods' claim volumes)
 */
public record ParseResult(List<PodManifest> manifests, Diagnostics diagnostics, List<ConfigObject> configObjects,
    List<ClaimDecl> claims) {
  public ParseResult {
    manifests = List.copyOf(manifests);
    configObjects = List.copyOf(configObjects);
    claims = List.copyOf(claims == null ? List.of() : claims);
  }

  /** Pods and ConfigMaps or Secrets, no claim documents. */
  public ParseResult(List<PodManifest> manifests, Diagnostics diagnostics, List<ConfigObject> configObjects) {
    this(manifests, diagnostics, configObjects, List.of());
  }

  /** Pods only, no ConfigMaps or Secrets. */
  public ParseResult(List<PodManifest> manifests, Diagnostics diagnostics) {
    this(manifests, diagnostics, List.of());
  }

  /** True when nothing was rejected (warnings allowed). */
  public boolean isValid() {
    return !diagnostics.hasErrors();
  }
}
