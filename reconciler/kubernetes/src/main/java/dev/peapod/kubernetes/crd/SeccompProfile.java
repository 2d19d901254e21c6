package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;

/** The seccomp profile: RuntimeDefault (also when unset) or Unconfined. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class SeccompProfile {

  @JsonPropertyDescription("RuntimeDefault or Unconfined; Localhost is refused.")
  public String type;

  @JsonPropertyDescription("Only with type Localhost, which Peapod refuses.")
  public String localhostProfile;
}
