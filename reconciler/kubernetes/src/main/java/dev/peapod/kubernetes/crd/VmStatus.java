package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The micro-VM that runs a PeaPod. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class VmStatus {

  @JsonPropertyDescription("The node it runs on.")
  public String node;

  @JsonPropertyDescription("Changes only when the VM is booted anew: a replace keeps it.")
  public String bootId;

  @JsonPropertyDescription("How it booted: cold boot, or from a template.")
  public String boot;

  @JsonPropertyDescription("kvm or tcg.")
  public String accelerator;

  @JsonPropertyDescription("When it started (RFC 3339).")
  public String startedAt;
}
