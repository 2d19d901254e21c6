package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Min;
import java.util.List;

/** Pod-wide security settings; containers may override the user, group, runAsNonRoot and profiles. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class PodSecurityContext {

  @JsonPropertyDescription("User id.")
  @Min(0)
  public Integer runAsUser;

  @JsonPropertyDescription("Group id.")
  @Min(0)
  public Integer runAsGroup;

  @JsonPropertyDescription("Refuse containers that would run as uid 0.")
  public Boolean runAsNonRoot;

  @JsonPropertyDescription("More groups for every container's processes.")
  public List<Long> supplementalGroups;

  @JsonPropertyDescription("Merge, or Strict to leave out the groups the image's /etc/group gives the user.")
  public String supplementalGroupsPolicy;

  @JsonPropertyDescription("Group that owns the pod's emptyDir volumes; every container gets it too.")
  @Min(0)
  public Long fsGroup;

  @JsonPropertyDescription("Accepted; emptyDir volumes are new with every start either way.")
  public String fsGroupChangePolicy;

  @JsonPropertyDescription("Namespaced sysctls set for the pod.")
  public List<Sysctl> sysctls;

  @JsonPropertyDescription("Default seccomp profile of the containers.")
  public SeccompProfile seccompProfile;

  @JsonPropertyDescription("RuntimeDefault or Unconfined (no effect).")
  public AppArmorProfile appArmorProfile;
}
