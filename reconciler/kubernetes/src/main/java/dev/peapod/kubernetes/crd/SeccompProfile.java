package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;

/** The seccomp profile: RuntimeDefault (also when unset), Unconfined, or Localhost (a file on the node). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class SeccompProfile {

  @JsonPropertyDescription("RuntimeDefault, Unconfined, or Localhost with localhostProfile.")
  public String type;

  @JsonPropertyDescription("With type Localhost: the profile file's path relative to the node's seccomp"
      + " profiles directory ($PEAPOD_HOME/seccomp), without '..'.")
  public String localhostProfile;
}
