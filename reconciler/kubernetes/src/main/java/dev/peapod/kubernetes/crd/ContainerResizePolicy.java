package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Required;

/** How Kubernetes would resize a resource in place; Peapod plans every CPU or memory change as a new VM and says so. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class ContainerResizePolicy {

  @JsonPropertyDescription("cpu or memory.")
  @Required
  public String resourceName;

  @JsonPropertyDescription("NotRequired or RestartContainer.")
  @Required
  public String restartPolicy;
}
