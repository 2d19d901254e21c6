package dev.peapod.engine.config;

import dev.peapod.manifest.model.ConfigObject;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Where a pod's ConfigMaps and Secrets are looked up: the seam between the spec conversion and a
 * source of desired state. A directory or git source answers from the ConfigMap and Secret
 * documents next to its pods ({@link #of}); the Kubernetes source answers from the API server.
 * {@link ConfigReferences#attach} asks it once per referenced object when a source reads its pods.
 *
 * <p>Answers are level-based like sources: each read asks again, so a changed ConfigMap is seen
 * on the next read and plans as a change of the pods that use it.
 */
@FunctionalInterface
public interface ConfigResolver {

  /**
   * The object, or empty when there is none of that kind, namespace and name.
   *
   * @throws dev.peapod.engine.source.SourceUnavailableException when the store cannot be asked now
   *     (an API server that does not answer); the source then keeps its last good snapshot
   */
  Optional<ConfigObject> find(ConfigObject.Kind kind, String namespace, String name);

  /** Knows no object: every reference is missing (optional ones are left out). */
  ConfigResolver NONE = (kind, namespace, name) -> Optional.empty();

  /** Answers from {@code objects}, the documents of one source (each reference at most once). */
  static ConfigResolver of(Collection<ConfigObject> objects) {
    Map<String, ConfigObject> byReference = new HashMap<>();
    objects.forEach(o -> byReference.putIfAbsent(o.reference(), o));
    return (kind, namespace, name) ->
        Optional.ofNullable(byReference.get(ConfigObject.reference(kind, namespace, name)));
  }
}
