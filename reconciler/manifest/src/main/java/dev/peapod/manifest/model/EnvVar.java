package dev.peapod.manifest.model;

import java.util.Objects;
import java.util.Optional;

/**
 * One environment variable; {@code $(VAR)} references are expanded later, as Kubernetes does.
 *
 * @param value the inline value; empty when {@code valueFrom} is set
 * @param valueFrom where the value comes from instead, or null for an inline value
 */
public record EnvVar(String name, String value, EnvSource valueFrom) {
  public EnvVar {
    Objects.requireNonNull(name, "name");
    value = value == null ? "" : value;
  }

  /** An inline value. */
  public EnvVar(String name, String value) {
    this(name, value, null);
  }

  public Optional<EnvSource> source() {
    return Optional.ofNullable(valueFrom);
  }
}
