package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** A port the container listens on; with hostPort, forwarded from the host. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class ContainerPort {

  @JsonPropertyDescription("Port inside the pod.")
  @Required
  @Min(1)
  @Max(65535)
  public Integer containerPort;

  @JsonPropertyDescription("Host port forwarded to containerPort.")
  @Min(1)
  @Max(65535)
  public Integer hostPort;

  @JsonPropertyDescription("Host address to bind; 127.0.0.1 by default.")
  public String hostIP;

  @JsonPropertyDescription("TCP (default) or UDP.")
  public String protocol;

  @JsonPropertyDescription("IANA service name: at most 15 characters.")
  @Size(min = 0, max = 15)
  public String name;
}
