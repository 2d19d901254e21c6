package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Min;

/** The container's securityContext, over the pod's field by field. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class SecurityContext {

  @JsonPropertyDescription("User id of the processes.")
  @Min(0)
  public Integer runAsUser;

  @JsonPropertyDescription("Group id of the processes.")
  @Min(0)
  public Integer runAsGroup;

  @JsonPropertyDescription("Refuse to start the container if it would run as uid 0.")
  public Boolean runAsNonRoot;

  @JsonPropertyDescription("true turns no_new_privs off; unset or false keeps it on.")
  public Boolean allowPrivilegeEscalation;

  @JsonPropertyDescription("Capabilities added to or dropped from the default set.")
  public Capabilities capabilities;

  @JsonPropertyDescription("Mount the container's root filesystem read-only.")
  public Boolean readOnlyRootFilesystem;

  @JsonPropertyDescription("RuntimeDefault or Unconfined.")
  public SeccompProfile seccompProfile;

  @JsonPropertyDescription("RuntimeDefault or Unconfined (no effect).")
  public AppArmorProfile appArmorProfile;

  @JsonPropertyDescription("Only false is accepted.")
  public Boolean privileged;

  @JsonPropertyDescription("Only Default is accepted.")
  public String procMount;
}
