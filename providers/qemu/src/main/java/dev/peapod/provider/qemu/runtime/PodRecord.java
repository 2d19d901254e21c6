package dev.peapod.provider.qemu.runtime;

import dev.peapod.provider.PodSpec;
import java.time.Instant;

/**
 * What {@code create} and {@code replace} record about a pod (pod.json).
 *
 * @param spec the spec the pod was created with, or last replaced by
 * @param createdAt when the pod was created
 */
public record PodRecord(PodSpec spec, Instant createdAt) {

  public PodRecord withSpec(PodSpec newSpec) {
    return new PodRecord(newSpec, createdAt);
  }
}
