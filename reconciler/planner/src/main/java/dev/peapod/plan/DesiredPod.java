package dev.peapod.plan;

import dev.peapod.manifest.model.DesiredState;
import dev.peapod.manifest.model.PodManifest;
import java.util.Objects;

/**
 * One pod as a manifest declares it, normalised once for comparing.
 *
 * @param manifest the parsed pod, with where it was declared
 * @param normalized its spec in comparable form
 */
public record DesiredPod(PodManifest manifest, NormalizedPod normalized) {

  public DesiredPod {
    Objects.requireNonNull(manifest, "manifest");
    Objects.requireNonNull(normalized, "normalized");
  }

  public static DesiredPod of(PodManifest manifest) {
    return new DesiredPod(manifest, NormalizedPod.of(manifest));
  }

  public String name() {
    return manifest.name();
  }

  public DesiredState state() {
    return manifest.spec().state();
  }

  /** The file it was declared in. */
  public String source() {
    return manifest.origin().file();
  }
}
