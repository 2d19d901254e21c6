package dev.peapod.manifest.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One place a pod names a ConfigMap or Secret ({@code env[].valueFrom} key references, {@code
 * envFrom}, {@code imagePullSecrets}, the sources of volumes of files), with the field path diagnostics point at.
 *
 * @param key the key for a key reference; empty for a whole object ({@code envFrom})
 */
public record ConfigReference(ConfigObject.Kind kind, String name, String key, boolean optional, String path) {

  public ConfigReference {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(name, "name");
    key = key == null ? "" : key;
  }

  /** Whether a volume makes this reference (its path is under {@code spec.volumes}). */
  public boolean inVolume() {
    return path.startsWith("spec.volumes[");
  }

  /** Whether this reference names {@code object} (namespaces aside: a pod's references are all in its own). */
  public boolean names(ConfigObject object) {
    return kind == object.kind() && name.equals(object.name());
  }

  /** Every reference of {@code pod}, init containers first, then volumes, in declaration order. */
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
    volumes(pod.spec().volumes(), out);
    return out;
  }

  /**
   * The objects of volumes of files: a whole object when it has no {@code items}, else one
   * reference per listed key (a listed key that is missing is an error unless optional, as the
   * kubelet refuses such a volume).
   */
  private static void volumes(List<VolumeDecl> volumes, List<ConfigReference> out) {
    for (int i = 0; i < volumes.size(); i++) {
      if (!(volumes.get(i).source() instanceof VolumeSource.Files files)) {
        continue;
      }
      boolean projected = files.type().equals("projected");
      for (int j = 0; j < files.sources().size(); j++) {
        if (!(files.sources().get(j) instanceof FileProjection.ObjectKeys keys)) {
          continue;
        }
        String at = "spec.volumes[" + i + "]." + (projected ? "projected.sources[" + j + "]." : "")
            + (keys.kind() == ConfigObject.Kind.SECRET ? "secret" : "configMap");
        if (keys.items().isEmpty()) {
          out.add(new ConfigReference(keys.kind(), keys.name(), "", keys.optional(), at));
        }
        for (int k = 0; k < keys.items().size(); k++) {
          out.add(new ConfigReference(keys.kind(), keys.name(), keys.items().get(k).key(), keys.optional(),
              at + ".items[" + k + "]"));
        }
      }
    }
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
