package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.kubernetes.api.model.Quantity;

/** cpu and memory quantities. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class ResourceList {

  @JsonPropertyDescription("CPUs: 500m, 1, 2.")
  public Quantity cpu;

  @JsonPropertyDescription("Bytes: 128Mi, 1G.")
  public Quantity memory;
}
