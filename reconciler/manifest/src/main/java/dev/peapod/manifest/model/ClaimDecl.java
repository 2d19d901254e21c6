package dev.peapod.manifest.model;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@code kind: PersistentVolumeClaim} document of the same source as the pods that use it: what
 * the claim asks for.
 *
 * @param namespace the claim's namespace ({@code default} unless written)
 * @param name the claim's name
 * @param storage {@code spec.resources.requests.storage}, if written
 * @param accessModes {@code spec.accessModes} as written ({@code ReadWriteOnce}, {@code
 *     ReadOnlyMany}, {@code ReadWriteMany}, {@code ReadWriteOncePod})
 */
public record ClaimDecl(String namespace, String name, Optional<Quantity> storage,
    List<String> accessModes) {
  public static final String DEFAULT_NAMESPACE = "default";

  public ClaimDecl {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
    storage = storage == null ? Optional.empty() : storage;
    accessModes = List.copyOf(accessModes == null ? List.of() : accessModes);
  }

  /** Only read-only access was asked for: the claim is mounted read-only everywhere. */
  public boolean readOnlyMany() {
    return !accessModes.isEmpty() && accessModes.stream().allMatch("ReadOnlyMany"::equals);
  }
}
