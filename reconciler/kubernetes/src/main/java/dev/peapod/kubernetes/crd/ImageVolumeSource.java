package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Required;

/** An OCI image mounted read-only as a volume (Kubernetes' volumes[].image). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class ImageVolumeSource {

  @JsonPropertyDescription("Image reference, as a container's image; pulled and cached as container images are.")
  @Required
  public String reference;

  @JsonPropertyDescription("Always, IfNotPresent or Never; default Always for :latest or no tag, else IfNotPresent.")
  public String pullPolicy;
}
