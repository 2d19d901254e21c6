package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import java.util.List;

/** Files of several sources in one volume. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class ProjectedVolumeSource {

  @JsonPropertyDescription("The sources, in order.")
  public List<VolumeProjection> sources;

  @JsonPropertyDescription("Mode of the files (default 0644).")
  @Min(0)
  @Max(511)
  public Integer defaultMode;
}
