package dev.peapod.provider.qemu.runtime;

import dev.peapod.provider.PodSpec;
import java.time.Instant;

/**
 * What {@code create}, {@code replace} and {@code start} record about a pod (pod.json).
 *
 * @param spec the spec the pod was created with, or last replaced by
 * @param createdAt when the pod was created
 * @param startFailure why the last start (or replace) failed and left the pod Created, e.g. an
 *     init container's exit code and output; empty once a start succeeds or the pod is stopped
 */
public record PodRecord(PodSpec spec, Instant createdAt, String startFailure) {

  public PodRecord {
    startFailure = startFailure == null ? "" : startFailure;
  }

  public PodRecord(PodSpec spec, Instant createdAt) {
    this(spec, createdAt, "");
  }

  public PodRecord withSpec(PodSpec newSpec) {
    return new PodRecord(newSpec, createdAt, startFailure);
  }

  public PodRecord withStartFailure(String failure) {
    return new PodRecord(spec, createdAt, failure);
  }
}
