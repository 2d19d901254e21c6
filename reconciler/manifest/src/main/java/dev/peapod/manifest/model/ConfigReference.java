package dev.peapod.manifest.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One place a pod names a ConfigMap or Secret ({@code env[].valueFrom} key references, {@code
 * envFrom}, {@code imagePullSecrets}), with the field path diagnostics point at.
 *
 * @param key the key for a key reference; empty for a whole object ({@code envFrom})
 */
public record ConfigReference(ConfigObject.Kind kind, String name, String key, boolean optional, String path) {

  public ConfigReference {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(name, "name");
    key = key == null ? "" : key;
  }

  /** Every reference of {@code pod}, init containers first, in declaration order. */
  public static List<ConfigReference> of(PodManifest pod) {
    List<ConfigReference> out = new ArrayList<>();
    containers(pod.spec().initContainers(), "spec.initContainers", out);
    containers(pod.spec().containers(), "spec.containers", out);
    // The kubelet pulls without a pull secret it cannot find (and says so): optional.
    List<String> pullSecrets = pod.spec().imagePullSecrets();
    for (int i = 0; i < pullSecrets.size(); i++) {
      out.add(new ConfigReference(ConfigObject.Kind.SECRET, pullSecrets.get(i), "", true,
          "spec.imagePullSecrets[" + i + "]"));
    }
    return out;
  }

  private static void containers(List<ContainerDecl> containers, String path, List<ConfigReference> out) {
    for (int i = 0; i < containers.size(); i++) {
      ContainerDecl c = containers.get(i);
      String at = path + "[" + i + "]";
      for (int j = 0; j < c.envFrom().size(); j++) {
        EnvFromDecl from = c.envFrom().get(j);
        out.add(new ConfigReference(from.kind(), from.name(), "", from.optional(), at + ".envFrom[" + j + "]"));
      }
      for (int j = 0; j < c.env().size(); j++) {
        if (c.env().get(j).valueFrom() instanceof EnvSource.KeyRef key) {
          out.add(new ConfigReference(key.kind(), key.name(), key.key(), key.optional(),
              at + ".env[" + j + "].valueFrom"));
        }
      }
    }
  }
}
