package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Required;

/** An environment variable. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class EnvVar {

  @JsonPropertyDescription("Variable name: printable ASCII without '='.")
  @Required
  public String name;

  @JsonPropertyDescription("Value; $(VAR) references expand as in Kubernetes.")
  public String value;

  @JsonPropertyDescription("Where the value comes from instead of value: the downward API or a ConfigMap's key.")
  public EnvVarSource valueFrom;
}
