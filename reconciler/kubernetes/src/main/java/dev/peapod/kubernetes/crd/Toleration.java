package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;

/** A Pod's toleration, copied to the PeaPod's placeholder Pod. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class Toleration {

  @JsonPropertyDescription("Taint key; empty with operator Exists tolerates every taint.")
  public String key;

  @JsonPropertyDescription("Exists or Equal (the default).")
  public String operator;

  @JsonPropertyDescription("Taint value, for operator Equal.")
  public String value;

  @JsonPropertyDescription("NoSchedule, PreferNoSchedule or NoExecute; empty matches all.")
  public String effect;

  @JsonPropertyDescription("For NoExecute: how long the placeholder stays on a node after the taint appears.")
  public Long tolerationSeconds;
}
