package dev.peapod.manifest.model;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * One declared pod, with every default resolved.
 *
 * <p>Two manifests are equal when they declare the same pod: where they came from ({@link
 * #origin()}) does not count, and because defaults are resolved at parse time, writing a default
 * out ({@code restartPolicy: Always}) and leaving it away give equal manifests.
 *
 * @param origin the file and document it was read from
 * @param metadata name, labels and annotations
 * @param spec what to run
 * @param inputs the ConfigMaps and Secrets the spec refers to, as its source resolved them (sorted
 *     by {@link ConfigObject#reference()}): part of what the pod is, so that a changed ConfigMap
 *     changes the pod; only their hashes are ever written down
 */
public record PodManifest(ManifestOrigin origin, PodMetadata metadata, ManifestSpec spec, List<ConfigObject> inputs) {

  public PodManifest {
    Objects.requireNonNull(origin, "origin");
    Objects.requireNonNull(metadata, "metadata");
    Objects.requireNonNull(spec, "spec");
    inputs = (inputs == null ? List.<ConfigObject>of() : inputs).stream()
        .sorted(Comparator.comparing(ConfigObject::reference)).toList();
  }

  /** A pod as parsed, before its source resolved any ConfigMap or Secret. */
  public PodManifest(ManifestOrigin origin, PodMetadata metadata, ManifestSpec spec) {
    this(origin, metadata, spec, List.of());
  }

  /** The same pod with the ConfigMaps and Secrets it refers to. */
  public PodManifest withInputs(List<ConfigObject> resolved) {
    return new PodManifest(origin, metadata, spec, resolved);
  }

  public String name() {
    return metadata.name();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PodManifest other
        && metadata.equals(other.metadata)
        && spec.equals(other.spec)
        && inputs.equals(other.inputs);
  }

  @Override
  public int hashCode() {
    return Objects.hash(metadata, spec, inputs);
  }
}
