package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;

/** One file of a files volume: its bytes inline, or a file:// URI. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class InlineFile {

  @JsonPropertyDescription("Relative path of the file in the volume; no .. component.")
  @Required
  public String path;

  @JsonPropertyDescription("The bytes as UTF-8 text.")
  public String content;

  @JsonPropertyDescription("The bytes in base64.")
  public String contentBase64;

  @JsonPropertyDescription("A file of the host (file:// only), read when the manifest is converted.")
  public String uri;

  @JsonPropertyDescription("Mode of this file (0 to 0777); else the volume's defaultMode.")
  @Min(0)
  @Max(511)
  public Integer mode;

  @JsonPropertyDescription("Owner's uid in the guest; default root.")
  @Min(0)
  public Long uid;

  @JsonPropertyDescription("Group's gid in the guest; default root.")
  @Min(0)
  public Long gid;
}
