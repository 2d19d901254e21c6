package dev.peapod.images.config;

import java.util.Objects;

/** One {@code env} entry of a Kubernetes container: a name and a literal value (which may use {@code $(VAR)}). */
public record EnvVar(String name, String value) {
  public EnvVar {
    Objects.requireNonNull(name, "name");
    value = value == null ? "" : value;
  }
}
