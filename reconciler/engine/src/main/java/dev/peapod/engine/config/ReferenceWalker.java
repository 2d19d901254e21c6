package dev.peapod.engine.config;

import dev.peapod.engine.config.ConfigReferences.Reference;
import dev.peapod.manifest.model.ContainerDecl;
import dev.peapod.manifest.model.EnvFromDecl;
import dev.peapod.manifest.model.EnvSource;
import dev.peapod.manifest.model.EnvVar;
import dev.peapod.manifest.model.PodManifest;
import java.util.ArrayList;
import java.util.List;

/** Walks a pod's spec for the fields that name a ConfigMap or Secret: env valueFrom and envFrom. */
final class ReferenceWalker {
  private ReferenceWalker() {}

  static List<Reference> walk(PodManifest pod) {
    List<Reference> out = new ArrayList<>();
    containers(pod.spec().initContainers(), "spec.initContainers", out);
    containers(pod.spec().containers(), "spec.containers", out);
    return out;
  }

  private static void containers(List<ContainerDecl> containers, String path, List<Reference> out) {
    for (int i = 0; i < containers.size(); i++) {
      ContainerDecl c = containers.get(i);
      String at = path + "[" + i + "]";
      for (int j = 0; j < c.envFrom().size(); j++) {
        EnvFromDecl from = c.envFrom().get(j);
        out.add(new Reference(from.kind(), from.name(), "", from.optional(), at + ".envFrom[" + j + "]"));
      }
      for (int j = 0; j < c.env().size(); j++) {
        EnvVar env = c.env().get(j);
        if (env.valueFrom() instanceof EnvSource.KeyRef key) {
          out.add(new Reference(key.kind(), key.name(), key.key(), key.optional(), at + ".env[" + j + "].valueFrom"));
        }
      }
    }
  }
}
