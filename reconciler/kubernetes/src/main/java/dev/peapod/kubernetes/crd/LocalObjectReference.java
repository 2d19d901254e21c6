package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;

/** An object of the PeaPod's namespace, by name: an imagePullSecrets entry. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class LocalObjectReference {

  @JsonPropertyDescription("Name of the Secret, in the PeaPod's namespace.")
  public String name;
}
