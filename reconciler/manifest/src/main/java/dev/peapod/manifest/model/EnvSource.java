package dev.peapod.manifest.model;

import java.util.Objects;
import java.util.Optional;

/**
 * Where an environment variable's value comes from when it is not written inline ({@code
 * env[].valueFrom}): the pod itself (the downward API) or a key of a ConfigMap or Secret. The
 * value is found when the pod is converted for the provider, not when it is parsed.
 */
public sealed interface EnvSource {

  /**
   * {@code fieldRef}: a field of the pod, one of the paths Kubernetes allows for env ({@code
   * metadata.name}, {@code metadata.namespace}, {@code metadata.uid}, {@code metadata.labels['k']},
   * {@code metadata.annotations['k']}, {@code spec.nodeName}, {@code spec.serviceAccountName},
   * {@code status.podIP}, {@code status.podIPs}, {@code status.hostIP}, {@code status.hostIPs}).
   */
  record FieldRef(String fieldPath) implements EnvSource {
    public FieldRef {
      Objects.requireNonNull(fieldPath, "fieldPath");
    }
  }

  /**
   * {@code resourceFieldRef}: a container's limit or request ({@code limits.cpu}, {@code
   * requests.memory}, ...) divided by {@code divisor} and rounded up, as the kubelet does.
   *
   * @param containerName empty for the container that declares the variable
   * @param divisor empty for 1
   */
  record ResourceFieldRef(String containerName, String resource, Optional<Quantity> divisor) implements EnvSource {
    public ResourceFieldRef {
      containerName = containerName == null ? "" : containerName;
      Objects.requireNonNull(resource, "resource");
      divisor = divisor == null ? Optional.empty() : divisor;
    }
  }

  /** {@code configMapKeyRef} or {@code secretKeyRef}: one key of one object. */
  record KeyRef(ConfigObject.Kind kind, String name, String key, boolean optional) implements EnvSource {
    public KeyRef {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(key, "key");
    }
  }
}
