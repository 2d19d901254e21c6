package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;

/** A lifecycle hook; one of exec, httpGet, sleep. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class LifecycleHandler {

  @JsonPropertyDescription("Runs a command in the container.")
  public ExecAction exec;

  @JsonPropertyDescription("An HTTP GET from inside the pod.")
  public HTTPGetAction httpGet;

  @JsonPropertyDescription("Waits.")
  public SleepAction sleep;
}
