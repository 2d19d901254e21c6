package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Min;

/** Container security settings Peapod honours. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class SecurityContext {

  @JsonPropertyDescription("User id of the processes.")
  @Min(0)
  public Integer runAsUser;

  @JsonPropertyDescription("Group id of the processes.")
  @Min(0)
  public Integer runAsGroup;

  @JsonPropertyDescription("Only false is accepted.")
  public Boolean privileged;
}
