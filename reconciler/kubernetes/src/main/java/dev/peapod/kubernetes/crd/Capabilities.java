package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import java.util.List;

/** Capabilities added to or dropped from the runtimes' default set. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class Capabilities {

  @JsonPropertyDescription("Capability names (NET_ADMIN or CAP_NET_ADMIN), or ALL.")
  public List<String> add;

  @JsonPropertyDescription("Capability names, or ALL.")
  public List<String> drop;
}
