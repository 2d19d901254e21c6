package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Required;

/** A resolver option. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class PodDNSConfigOption {

  @JsonPropertyDescription("Option name, e.g. ndots.")
  @Required
  public String name;

  @JsonPropertyDescription("Option value.")
  public String value;
}
