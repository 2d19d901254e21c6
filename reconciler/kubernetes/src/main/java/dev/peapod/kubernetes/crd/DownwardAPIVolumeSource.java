package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import java.util.List;

/** Fields of the pod as files (labels and annotations updated in place). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class DownwardAPIVolumeSource {

  @JsonPropertyDescription("The files.")
  public List<DownwardAPIVolumeFile> items;

  @JsonPropertyDescription("Mode of the files (default 0644).")
  @Min(0)
  @Max(511)
  public Integer defaultMode;
}
