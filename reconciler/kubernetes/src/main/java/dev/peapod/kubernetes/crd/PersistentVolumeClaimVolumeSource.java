package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Required;

/** A persistent volume claim by name. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class PersistentVolumeClaimVolumeSource {

  @JsonPropertyDescription("The claim's name, in the pod's namespace.")
  @Required
  public String claimName;

  @JsonPropertyDescription("Mount it read-only everywhere.")
  public Boolean readOnly;
}
