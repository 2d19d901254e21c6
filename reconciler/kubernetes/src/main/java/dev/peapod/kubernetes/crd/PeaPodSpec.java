package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/** What to run: Kubernetes PodSpec fields plus vm and state. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class PeaPodSpec {

  @JsonPropertyDescription("App containers, started together.")
  @Required
  @Size(min = 1)
  public List<Container> containers;

  @JsonPropertyDescription("Run to completion in order before the app containers (sidecars: restartPolicy Always).")
  public List<Container> initContainers;

  @JsonPropertyDescription("Pod volumes.")
  public List<Volume> volumes;

  @JsonPropertyDescription("Hostname; the pod name by default.")
  public String hostname;

  @JsonPropertyDescription("Default or None (only dnsConfig); ClusterFirst is accepted with a warning and acts as Default.")
  public String dnsPolicy;

  @JsonPropertyDescription("Resolver settings.")
  public PodDNSConfig dnsConfig;

  @JsonPropertyDescription("Extra /etc/hosts entries.")
  public List<HostAlias> hostAliases;

  @JsonPropertyDescription("Secrets of type kubernetes.io/dockerconfigjson (or dockercfg) whose registry credentials"
      + " pull this PeaPod's images, matched to each image by registry host as the kubelet does.")
  public List<LocalObjectReference> imagePullSecrets;

  @JsonPropertyDescription("Seconds between SIGTERM and SIGKILL; 30 by default.")
  @Min(0)
  public Integer terminationGracePeriodSeconds;

  @JsonPropertyDescription("For the app containers; Always by default.")
  public String restartPolicy;

  @JsonPropertyDescription("Pod-wide security settings.")
  public PodSecurityContext securityContext;

  @JsonPropertyDescription("Containers always share the PID namespace; only true is meaningful.")
  public Boolean shareProcessNamespace;

  @JsonPropertyDescription("Only \"default\" is accepted.")
  public String serviceAccountName;

  @JsonPropertyDescription("Only \"default\" is accepted.")
  public String serviceAccount;

  @JsonPropertyDescription("Only false is accepted.")
  public Boolean automountServiceAccountToken;

  @JsonPropertyDescription("Accepted either way: a container's users are its VM's, never the host's.")
  public Boolean hostUsers;

  @JsonPropertyDescription("Accepted and ignored: there are no Services.")
  public Boolean enableServiceLinks;

  @JsonPropertyDescription("Pod-level resources: the size of the whole pod (the VM), over the containers' sum.")
  public ResourceRequirements resources;

  @JsonPropertyDescription("Labels a node must have to run the PeaPod (copied to its placeholder Pod, which the Kubernetes scheduler places); ignored with a warning in a file.")
  public java.util.Map<String, String> nodeSelector;

  @JsonPropertyDescription("A Pod's affinity, copied to the PeaPod's placeholder Pod for the scheduler; ignored with a warning in a file.")
  @PreserveUnknownFields
  public java.util.Map<String, Object> affinity;

  @JsonPropertyDescription("Taints the PeaPod tolerates (copied to its placeholder Pod); ignored with a warning in a file.")
  public List<Toleration> tolerations;

  @JsonPropertyDescription("As a Pod's; kept by the API server, not used by Peapod; ignored with a warning in a file.")
  @PreserveUnknownFields
  public List<java.util.Map<String, Object>> topologySpreadConstraints;

  @JsonPropertyDescription("As a Pod's; not used by Peapod (its placeholder Pod goes to the default scheduler); ignored with a warning in a file.")
  public String schedulerName;

  @JsonPropertyDescription("As a Pod's; not used by Peapod; ignored with a warning in a file.")
  public String priorityClassName;

  @JsonPropertyDescription("As a Pod's; not used by Peapod; ignored with a warning in a file.")
  public Integer priority;

  @JsonPropertyDescription("As a Pod's; not used by Peapod; ignored with a warning in a file.")
  public String preemptionPolicy;

  @JsonPropertyDescription("As a Pod's; not used by Peapod (a PeaPod always runs in a Peapod micro-VM); ignored with a warning in a file.")
  public String runtimeClassName;

  @JsonPropertyDescription("As a Pod's; not used by Peapod; ignored with a warning in a file.")
  @PreserveUnknownFields
  public List<java.util.Map<String, Object>> schedulingGates;

  @JsonPropertyDescription("As a Pod's; not used by Peapod (the VM's own overhead is added to the placeholder Pod's requests); ignored with a warning in a file.")
  @PreserveUnknownFields
  public java.util.Map<String, Object> overhead;

  @JsonPropertyDescription("The micro-VM.")
  public VmSpec vm;

  @JsonPropertyDescription("Running (default) or Created (storage prepared, no VM).")
  public String state;
}
