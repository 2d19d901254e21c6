package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.kubernetes.api.model.Quantity;

/** The micro-VM. What is left out is sized from the containers' resources: vcpus = ceil(sum of cpu), at least 1; memory = sum of memory + 32Mi guest overhead, at least 64Mi; 1 vCPU / 128Mi when no container says. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class VmSpec {

  @JsonPropertyDescription("Virtual CPUs.")
  @Min(1)
  @Max(255)
  public Integer vcpus;

  @JsonPropertyDescription("Guest RAM, at least 32Mi.")
  public Quantity memory;

  @JsonPropertyDescription("Absolute path of a guest kernel to boot instead of the default.")
  public String kernel;

  @JsonPropertyDescription("auto (KVM when usable, else TCG), kvm or tcg.")
  public String accel;
  @JsonPropertyDescription("At most this many tasks in all the pod's containers together (as Kubernetes' pod-level limits.pids).")
  @Min(1)
  @Max(4194304)
  public Long pids;
}
