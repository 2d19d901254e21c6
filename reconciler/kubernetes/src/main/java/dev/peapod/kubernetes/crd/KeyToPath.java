package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;

/** A key of a ConfigMap as a file. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class KeyToPath {

  @JsonPropertyDescription("The key.")
  @Required
  public String key;

  @JsonPropertyDescription("Relative path of the file in the volume; no .. component.")
  @Required
  public String path;

  @JsonPropertyDescription("Mode of this file (0 to 0777); else the volume's defaultMode.")
  @Min(0)
  @Max(511)
  public Integer mode;
}
