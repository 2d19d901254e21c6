package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** A pod volume: emptyDir (the default), hostPath, persistentVolumeClaim, configMap, secret, downwardAPI, projected, image or files. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class Volume {

  @JsonPropertyDescription("DNS-1123 label, unique in the pod.")
  @Required
  @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
  @Size(min = 0, max = 63)
  public String name;

  @JsonPropertyDescription("An empty directory.")
  public EmptyDirVolumeSource emptyDir;

  @JsonPropertyDescription("A host path.")
  public HostPathVolumeSource hostPath;

  @JsonPropertyDescription("A claim: in file and git mode a directory of this host, $PEAPOD_HOME/volumes/NAMESPACE/CLAIM, kept until peapod volume rm.")
  public PersistentVolumeClaimVolumeSource persistentVolumeClaim;

  @JsonPropertyDescription("The keys of a ConfigMap as files (read-only; updated in place when it changes).")
  public ConfigMapVolumeSource configMap;

  @JsonPropertyDescription("The keys of a Secret as files (read-only; in guest memory only; updated in place when it changes).")
  public SecretVolumeSource secret;

  @JsonPropertyDescription("Fields of the PeaPod as files.")
  public DownwardAPIVolumeSource downwardAPI;

  @JsonPropertyDescription("ConfigMaps, Secrets and fields of the PeaPod in one volume.")
  public ProjectedVolumeSource projected;

  @JsonPropertyDescription("An OCI image mounted read-only, attached to the VM as another disk.")
  public ImageVolumeSource image;

  @JsonPropertyDescription("Files given inline (a Peapod extension): what a HyperContainer pod's files become.")
  public FilesVolumeSource files;
}
