package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;

/** A field of the PeaPod, for the downward API. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class ObjectFieldSelector {

  @JsonPropertyDescription("Version of the schema fieldPath is written in; v1.")
  public String apiVersion;

  @JsonPropertyDescription("Path of the field, e.g. metadata.name or metadata.labels['app'].")
  public String fieldPath;
}
