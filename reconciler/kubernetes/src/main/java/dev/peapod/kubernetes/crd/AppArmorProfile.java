package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;

/** Accepted as RuntimeDefault or Unconfined, without effect: the guest kernel has no AppArmor. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class AppArmorProfile {

  @JsonPropertyDescription("RuntimeDefault or Unconfined; Localhost is refused.")
  public String type;

  @JsonPropertyDescription("Only with type Localhost, which Peapod refuses.")
  public String localhostProfile;
}
