package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** The plan's change for one PeaPod, as peapod plan prints it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class PendingChange {

  @JsonPropertyDescription("create, start, replace, update, refresh, recreate, stop or remove.")
  public String action;

  @JsonPropertyDescription("One line: replace (same VM) because image of container \"web\" changed.")
  public String summary;

  @JsonPropertyDescription("Every reason, in words.")
  public List<String> reasons;

  @JsonPropertyDescription("The fields that differ: path: old -> new.")
  public List<String> fields;
}
