package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.kubernetes.api.model.Quantity;

/** A fresh empty directory that lives as long as the pod. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class EmptyDirVolumeSource {

  @JsonPropertyDescription("\"\" (default) or Memory.")
  public String medium;

  @JsonPropertyDescription("Upper bound on its size.")
  public Quantity sizeLimit;

  @JsonPropertyDescription("Permission bits of the directory, 0-01777 (Kubernetes 1.37's emptyDir.mode); default 0777.")
  public Integer mode;
}
