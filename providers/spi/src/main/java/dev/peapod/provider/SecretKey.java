package dev.peapod.provider;

import java.util.Objects;

/**
 * Where a value that must stay inside the VM comes from: one key of one Kubernetes Secret. A
 * {@link PodSpec} carries these references, never the values, so that whatever a provider records
 * about a pod (QEMU's pod.json) holds no Secret; the values come with each call that boots or
 * replaces containers ({@link SecretValues}).
 *
 * @param namespace the Secret's namespace ({@code default} in file mode)
 * @param name the Secret's name
 * @param key the key within it
 */
public record SecretKey(String namespace, String name, String key) {
  public SecretKey {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(key, "key");
  }

  /** How messages name it: {@code key "password" of secret default/db}. */
  public String describe() {
    return "key \"" + key + "\" of secret " + namespace + "/" + name;
  }
}
