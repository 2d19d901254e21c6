package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;

/** One HTTP request header. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class HTTPHeader {

  @JsonPropertyDescription("Header name.")
  public String name;

  @JsonPropertyDescription("Header value.")
  public String value;
}
