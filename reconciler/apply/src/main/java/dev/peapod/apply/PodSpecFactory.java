package dev.peapod.apply;

import dev.peapod.manifest.model.PodManifest;
import dev.peapod.provider.PodSpec;
import java.util.function.Consumer;

/**
 * Turns a manifest's pod into what the provider runs: images made local (pulled if missing) and
 * their defaults applied. The CLI and the controller supply it; apply only calls it.
 */
@FunctionalInterface
public interface PodSpecFactory {

  /**
   * @param progress takes short lines about slow steps ({@code pulling web:1})
   * @throws RuntimeException with a message naming the pod and the problem
   */
  PodSpec specFor(PodManifest manifest, Consumer<String> progress);
}
