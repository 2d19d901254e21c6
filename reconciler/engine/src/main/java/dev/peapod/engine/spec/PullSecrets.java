package dev.peapod.engine.spec;

import dev.peapod.images.registry.PullSecretKeyring;
import dev.peapod.manifest.model.ConfigObject;
import dev.peapod.manifest.model.PodManifest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A pod's {@code imagePullSecrets} as registry credentials for its pulls, as the kubelet reads
 * them: the {@code .dockerconfigjson} of a {@code kubernetes.io/dockerconfigjson} Secret or the
 * {@code .dockercfg} of a {@code kubernetes.io/dockercfg} one, in the order listed. A pull secret
 * that is missing or of another type is left out with a warning, and the pull goes ahead with the
 * host's own credentials, as the kubelet does.
 */
final class PullSecrets {
  private PullSecrets() {}

  static PullSecretKeyring keyring(PodManifest pod, Consumer<String> warnings) {
    Map<String, byte[]> configs = new LinkedHashMap<>();
    for (String name : pod.spec().imagePullSecrets()) {
      Optional<ConfigObject> secret = pod.inputs().stream()
          .filter(o -> o.kind() == ConfigObject.Kind.SECRET && o.name().equals(name)).findFirst();
      if (secret.isEmpty()) {
        warnings.accept("image pull secret \"" + name + "\" not found; pulling with the host's credentials only"
            + " (declare a kubernetes.io/dockerconfigjson Secret next to the pod)");
        continue;
      }
      Optional<byte[]> config = switch (secret.get().type()) {
        case ConfigObject.DOCKER_CONFIG_JSON_TYPE -> secret.get().value(".dockerconfigjson");
        case "kubernetes.io/dockercfg" -> secret.get().value(".dockercfg");
        default -> Optional.empty();
      };
      if (config.isEmpty()) {
        warnings.accept("image pull secret \"" + name + "\" is of type " + secret.get().type() + "; only"
            + " kubernetes.io/dockerconfigjson and kubernetes.io/dockercfg hold registry credentials, so it is not"
            + " used");
        continue;
      }
      configs.put("image pull secret " + secret.get().namespace() + "/" + name, config.get());
    }
    return configs.isEmpty() ? PullSecretKeyring.EMPTY : PullSecretKeyring.of(configs);
  }
}
