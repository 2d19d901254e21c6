package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import java.util.List;

/** Resolver settings. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class PodDNSConfig {

  @JsonPropertyDescription("At most 3 IP addresses.")
  public List<String> nameservers;

  @JsonPropertyDescription("Search domains.")
  public List<String> searches;

  @JsonPropertyDescription("Resolver options.")
  public List<PodDNSConfigOption> options;
}
