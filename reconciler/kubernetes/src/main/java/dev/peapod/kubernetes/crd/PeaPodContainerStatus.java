package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.ContainerState;

/** One container's state, with the field names of a Pod's containerStatuses. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class PeaPodContainerStatus {

  @JsonPropertyDescription("The container's name.")
  public String name;

  @JsonPropertyDescription("running, waiting or terminated (with the exit code).")
  public ContainerState state;

  @JsonPropertyDescription("Whether it is running and passing its readiness probe (if it has one).")
  public Boolean ready;

  @JsonPropertyDescription("How often its process was restarted in this VM.")
  public Integer restartCount;

  @JsonPropertyDescription("The digest of the image it runs.")
  @JsonProperty("imageID")
  public String imageId;
}
