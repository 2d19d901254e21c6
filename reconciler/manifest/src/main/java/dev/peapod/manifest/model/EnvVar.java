package dev.peapod.manifest.model;

import java.util.Objects;

/** One environment variable; {@code $(VAR)} references are expanded later, as Kubernetes does. */
public record EnvVar(String name, String value) {
  public EnvVar {
    Objects.requireNonNull(name, "name");
    value = value == null ? "" : value;
  }
}
