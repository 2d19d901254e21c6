package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import java.util.List;

/** Fields of the pod in a projected volume. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class DownwardAPIProjection {

  @JsonPropertyDescription("The files.")
  public List<DownwardAPIVolumeFile> items;
}
