package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;

/** What the node agent last saw and did, kstatus-compatible: observedGeneration and conditions. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class PeaPodStatus {

  @JsonPropertyDescription("The metadata.generation this status describes.")
  public Long observedGeneration;

  @JsonPropertyDescription("Pending (no agent has taken it), Creating, Running, Created (spec.state Created),"
      + " Failed (stalled or retrying), Terminating.")
  public String phase;

  @JsonPropertyDescription("Ready containers of the app containers and sidecars, as kubectl shows a Pod's: 2/3.")
  public String ready;

  @JsonPropertyDescription("The pod's name on its node: <namespace>--<name>.")
  public String podName;

  @JsonPropertyDescription("Ready, Reconciling, Stalled (kstatus), and Scheduled, ImagesReady, VMReady,"
      + " ContainersReady.")
  public List<Condition> conditions;

  @JsonPropertyDescription("Per app container, shaped like a Pod's containerStatuses.")
  public List<PeaPodContainerStatus> containerStatuses;

  @JsonPropertyDescription("Per init container (sidecars included), shaped like a Pod's initContainerStatuses.")
  public List<PeaPodContainerStatus> initContainerStatuses;

  @JsonPropertyDescription("The VM that runs the pod, while there is one.")
  public VmStatus vm;

  @JsonPropertyDescription("The change the agent planned and has not finished: what it is about to do and why.")
  public PendingChange pendingChange;

  @JsonPropertyDescription("Problems of the spec as the manifest parser reports them: path: message.")
  public List<String> diagnostics;
}
