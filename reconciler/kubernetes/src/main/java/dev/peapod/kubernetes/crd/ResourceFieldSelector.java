package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;

/** A container's resource amount, for the downward API. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class ResourceFieldSelector {

  @JsonPropertyDescription("The container whose resources are read; this container by default.")
  public String containerName;

  @JsonPropertyDescription("limits.cpu, limits.memory, requests.cpu or requests.memory.")
  public String resource;

  @JsonPropertyDescription("The unit the value is given in (e.g. 1m, 1Mi); 1 by default.")
  @PreserveUnknownFields
  public Object divisor;
}
