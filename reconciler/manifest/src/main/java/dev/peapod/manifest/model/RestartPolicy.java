package dev.peapod.manifest.model;

/** {@code spec.restartPolicy}, as in Kubernetes. */
public enum RestartPolicy implements ManifestNamed {
  ALWAYS("Always"),
  ON_FAILURE("OnFailure"),
  NEVER("Never");

  private final String manifestName;

  RestartPolicy(String manifestName) {
    this.manifestName = manifestName;
  }

  public String manifestName() {
    return manifestName;
  }
}
