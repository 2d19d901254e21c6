package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;

/** One source of a projected volume. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class VolumeProjection {

  @JsonPropertyDescription("The keys of a ConfigMap.")
  public ConfigMapProjection configMap;

  @JsonPropertyDescription("The keys of a Secret.")
  public SecretProjection secret;

  @JsonPropertyDescription("Fields of the pod.")
  public DownwardAPIProjection downwardAPI;
}
