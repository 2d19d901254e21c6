package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Required;
import java.util.List;

/** The keys of a Secret in a projected volume. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class SecretProjection {

  @JsonPropertyDescription("The Secret.")
  @Required
  public String name;

  @JsonPropertyDescription("Only these keys.")
  public List<KeyToPath> items;

  @JsonPropertyDescription("A missing Secret or key is no error.")
  public Boolean optional;
}
