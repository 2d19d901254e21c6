package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Required;

/** A pod volume mounted into the container. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class VolumeMount {

  @JsonPropertyDescription("Name of a volume in spec.volumes.")
  @Required
  public String name;

  @JsonPropertyDescription("Absolute path in the container.")
  @Required
  public String mountPath;

  @JsonPropertyDescription("Mount read-only.")
  public Boolean readOnly;

  @JsonPropertyDescription("Relative path inside the volume to mount instead of its root.")
  public String subPath;
}
