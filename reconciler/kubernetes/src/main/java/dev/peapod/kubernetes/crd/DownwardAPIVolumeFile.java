package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;

/** A field of the pod or a container resource as a file. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class DownwardAPIVolumeFile {

  @JsonPropertyDescription("Relative path of the file in the volume.")
  @Required
  public String path;

  @JsonPropertyDescription("A field: metadata.name, namespace, uid, labels, annotations, labels['k'], annotations['k'].")
  public ObjectFieldSelector fieldRef;

  @JsonPropertyDescription("A container's limit or request.")
  public ResourceFieldSelector resourceFieldRef;

  @JsonPropertyDescription("Mode of this file.")
  @Min(0)
  @Max(511)
  public Integer mode;
}
