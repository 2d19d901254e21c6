package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import java.util.List;

/** The keys of a Secret as files, kept in guest memory only (never on the node) and updated in place. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class SecretVolumeSource {

  @JsonPropertyDescription("The Secret, in the PeaPod's namespace.")
  @Required
  public String secretName;

  @JsonPropertyDescription("Only these keys, each at its path; all keys when absent.")
  public List<KeyToPath> items;

  @JsonPropertyDescription("Mode of the files (default 0644).")
  @Min(0)
  @Max(511)
  public Integer defaultMode;

  @JsonPropertyDescription("A missing Secret or key is no error.")
  public Boolean optional;
}
