package dev.peapod.manifest.model;

/** Which kind of document a pod was declared in; all of them become the same model. */
public enum ManifestKind {
  /** {@code apiVersion: peapod.dev/v1alpha1, kind: PeaPod}. */
  PEAPOD,
  /** {@code apiVersion: v1, kind: Pod}. */
  KUBERNETES_POD,
  /** A HyperContainer (hyperd) pod file. */
  HYPERCONTAINER
}
