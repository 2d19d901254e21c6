package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;

/** A ConfigMap or Secret named by envFrom. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class EnvFromReference {

  @JsonPropertyDescription("Name of the ConfigMap or Secret, in the PeaPod's namespace.")
  public String name;

  @JsonPropertyDescription("If true, a missing object adds no variables instead of refusing the PeaPod.")
  public Boolean optional;
}
