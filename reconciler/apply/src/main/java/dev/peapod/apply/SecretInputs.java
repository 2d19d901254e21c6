package dev.peapod.apply;

import dev.peapod.manifest.model.ConfigObject;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.provider.SecretKey;
import dev.peapod.provider.SecretValues;
import java.util.HashMap;
import java.util.Map;

/**
 * The values of the Secrets a pod's source resolved for it ({@link PodManifest#inputs()}), as the
 * provider takes them with a start or replace. Made from the source each time a guest needs them,
 * never stored: this is how Secret values reach a VM without being recorded on the host.
 */
public final class SecretInputs {
  private SecretInputs() {}

  /** Every key of every Secret among {@code pod}'s inputs. */
  public static SecretValues of(PodManifest pod) {
    Map<SecretKey, byte[]> values = new HashMap<>();
    for (ConfigObject input : pod.inputs()) {
      if (input.sensitive()) {
        for (String key : input.keys()) {
          values.put(new SecretKey(input.namespace(), input.name(), key), input.value(key).orElseThrow());
        }
      }
    }
    return values.isEmpty() ? SecretValues.NONE : SecretValues.of(values);
  }
}
