package dev.peapod.manifest.model;

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
 */
public record PodManifest(ManifestOrigin origin, PodMetadata metadata, ManifestSpec spec) {

  public PodManifest {
    Objects.requireNonNull(origin, "origin");
    Objects.requireNonNull(metadata, "metadata");
    Objects.requireNonNull(spec, "spec");
  }

  public String name() {
    return metadata.name();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PodManifest other
        && metadata.equals(other.metadata)
        && spec.equals(other.spec);
  }

  @Override
  public int hashCode() {
    return Objects.hash(metadata, spec);
  }
}
