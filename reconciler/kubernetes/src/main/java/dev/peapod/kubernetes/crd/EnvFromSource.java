package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;

/** Every key of a ConfigMap or Secret as variables. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class EnvFromSource {

  @JsonPropertyDescription("Put before every key to make the variable's name.")
  public String prefix;

  @JsonPropertyDescription("The ConfigMap whose keys become variables.")
  public EnvFromReference configMapRef;

  @JsonPropertyDescription("The Secret whose keys become variables: refused for now (see env[].valueFrom.secretKeyRef).")
  public EnvFromReference secretRef;
}
