package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;

/** A pause (hooks only). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class SleepAction {

  @JsonPropertyDescription("How many seconds.")
  public Long seconds;
}
