package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;

/** One key of a ConfigMap or Secret. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class KeySelector {

  @JsonPropertyDescription("Name of the ConfigMap or Secret, in the PeaPod's namespace.")
  public String name;

  @JsonPropertyDescription("The key whose value is taken.")
  public String key;

  @JsonPropertyDescription("If true, a missing object or key leaves the variable out instead of refusing the PeaPod.")
  public Boolean optional;
}
