package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import java.util.List;

/** A volume of files given inline (a Peapod extension), kept in guest memory as a configMap volume's. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class FilesVolumeSource {

  @JsonPropertyDescription("The files.")
  public List<InlineFile> files;

  @JsonPropertyDescription("Mode of a file without its own (0 to 0777); default 0644.")
  @Min(0)
  @Max(511)
  public Integer defaultMode;
}
