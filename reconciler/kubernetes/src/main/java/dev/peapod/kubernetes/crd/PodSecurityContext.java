package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Min;

/** Pod-wide user and group; containers may override. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class PodSecurityContext {

  @JsonPropertyDescription("User id.")
  @Min(0)
  public Integer runAsUser;

  @JsonPropertyDescription("Group id.")
  @Min(0)
  public Integer runAsGroup;
}
