package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;

/** A namespaced sysctl set in the VM for the pod. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class Sysctl {

  @JsonPropertyDescription("Dotted (net.core.somaxconn) or slashed name.")
  public String name;

  @JsonPropertyDescription("The value written.")
  public String value;
}
