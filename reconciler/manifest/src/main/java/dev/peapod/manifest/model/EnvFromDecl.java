package dev.peapod.manifest.model;

import java.util.Objects;

/**
 * {@code envFrom[]}: every key of a ConfigMap or Secret as an environment variable, named with
 * {@code prefix} in front. Variables listed under {@code env} win over these, as in Kubernetes.
 */
public record EnvFromDecl(ConfigObject.Kind kind, String name, String prefix, boolean optional) {
  public EnvFromDecl {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(name, "name");
    prefix = prefix == null ? "" : prefix;
  }
}
