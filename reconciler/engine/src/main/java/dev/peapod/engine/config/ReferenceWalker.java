package dev.peapod.engine.config;

import dev.peapod.engine.config.ConfigReferences.Reference;
import dev.peapod.manifest.model.PodManifest;
import java.util.ArrayList;
import java.util.List;

/** Walks a pod's spec for the fields that name a ConfigMap or Secret. */
final class ReferenceWalker {
  private ReferenceWalker() {}

  static List<Reference> walk(PodManifest pod) {
    List<Reference> out = new ArrayList<>();
    return out;
  }
}
