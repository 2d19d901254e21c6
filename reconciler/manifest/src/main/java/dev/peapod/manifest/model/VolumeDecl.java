package dev.peapod.manifest.model;

import java.util.Objects;

/** A pod-level volume that containers mount by name. */
public record VolumeDecl(String name, VolumeSource source) {
  public VolumeDecl {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(source, "source");
  }
}
