package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Required;

/** A host file or directory shared into the VM. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class HostPathVolumeSource {

  @JsonPropertyDescription("Host path; a relative path is relative to the manifest file's directory.")
  @Required
  public String path;

  @JsonPropertyDescription("Check before mounting.")
  @JsonProperty("type")
  public String type;
}
