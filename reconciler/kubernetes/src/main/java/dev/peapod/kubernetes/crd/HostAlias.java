package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Required;
import java.util.List;

/** An extra /etc/hosts entry. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class HostAlias {

  @JsonPropertyDescription("IP address.")
  @Required
  public String ip;

  @JsonPropertyDescription("Names for it.")
  public List<String> hostnames;
}
