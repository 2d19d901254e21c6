package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;

/** postStart and preStop hooks, run by guest-init. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class Lifecycle {

  @JsonPropertyDescription("Right after the start; its failure ends the container.")
  public LifecycleHandler postStart;

  @JsonPropertyDescription("Before SIGTERM, within the grace period.")
  public LifecycleHandler preStop;
}
