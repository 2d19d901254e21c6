package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;

/** cpu and memory; when spec.vm leaves them out, the VM is sized from the limits (or requests). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class ResourceRequirements {

  @JsonPropertyDescription("Upper bounds.")
  public ResourceList limits;

  @JsonPropertyDescription("Amounts asked for; default to the limits.")
  public ResourceList requests;
}
