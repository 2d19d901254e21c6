package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import java.util.List;

/** A command run in the container. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class ExecAction {

  @JsonPropertyDescription("The command; not run in a shell.")
  public List<String> command;
}
