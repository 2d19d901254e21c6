package dev.peapod.manifest.model;

/** {@code spec.state}: whether the pod should be running or only prepared. */
public enum DesiredState implements ManifestNamed {
  /** Storage prepared and a VM running it; the default. */
  RUNNING("Running"),
  /** Storage prepared (images pulled), no VM. */
  CREATED("Created");

  private final String manifestName;

  DesiredState(String manifestName) {
    this.manifestName = manifestName;
  }

  /** The spelling used in manifests. */
  public String manifestName() {
    return manifestName;
  }
}
