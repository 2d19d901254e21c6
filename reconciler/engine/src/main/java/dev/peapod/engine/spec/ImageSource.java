package dev.peapod.engine.spec;

import dev.peapod.images.registry.PullSecretKeyring;
import dev.peapod.images.oci.ImageConfig;
import dev.peapod.manifest.model.PullPolicy;
import dev.peapod.provider.ImageRootfs;

/**
 * Where {@link ManifestToPodSpec} gets a container's image from: the image store,
 * a map in tests (so converting a manifest needs no registry).
 */
public interface ImageSource {

  /**
   * The image for a reference as written in a manifest, pulled first if the source does not
   * have it (or, for {@link PullPolicy#NEVER}, an error if it does not).
   */
  Resolved resolve(String reference, PullPolicy policy);

  /**
   * {@link #resolve(String, PullPolicy)} pulling with a pod's {@code imagePullSecrets}; a source
   * that never pulls (a map in tests) has no use for them.
   */
  default Resolved resolve(String reference, PullPolicy policy, PullSecretKeyring keyring) {
    return resolve(reference, policy);
  }

  /** A local image: the root filesystem the provider boots and the config the defaults come from. */
  record Resolved(ImageRootfs rootfs, ImageConfig config) {}
}
