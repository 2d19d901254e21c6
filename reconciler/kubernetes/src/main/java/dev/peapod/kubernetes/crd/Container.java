package dev.peapod.kubernetes.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/** A container, with Kubernetes' field names and meanings. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@PreserveUnknownFields
public final class Container {

  @JsonPropertyDescription("DNS-1123 label, unique among all containers of the pod.")
  @Required
  @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
  @Size(min = 0, max = 63)
  public String name;

  @JsonPropertyDescription("Image reference, e.g. nginx:1.25.")
  @Required
  public String image;

  @JsonPropertyDescription("Always, IfNotPresent or Never; Always for :latest or untagged images, else IfNotPresent.")
  public String imagePullPolicy;

  @JsonPropertyDescription("Replaces the image's ENTRYPOINT.")
  public List<String> command;

  @JsonPropertyDescription("Replaces the image's CMD.")
  public List<String> args;

  @JsonPropertyDescription("Environment variables.")
  public List<EnvVar> env;

  @JsonPropertyDescription("Every key of ConfigMaps as variables, before env (env wins on the same name).")
  public List<EnvFromSource> envFrom;

  @JsonPropertyDescription("Absolute working directory.")
  public String workingDir;

  @JsonPropertyDescription("Ports.")
  public List<ContainerPort> ports;

  @JsonPropertyDescription("Volume mounts.")
  public List<VolumeMount> volumeMounts;

  @JsonPropertyDescription("cpu and memory limits and requests.")
  public ResourceRequirements resources;

  @JsonPropertyDescription("Accepted; a CPU or memory change needs a new VM (no in-place resize).")
  public List<ContainerResizePolicy> resizePolicy;

  @JsonPropertyDescription("User, capabilities, seccomp, read-only root and the rest of Kubernetes' securityContext.")
  public SecurityContext securityContext;

  @JsonPropertyDescription("Init containers only: Always makes a sidecar that keeps running beside the app containers.")
  public String restartPolicy;

  @JsonPropertyDescription("Stdin for peapod attach.")
  public Boolean stdin;

  @JsonPropertyDescription("The first detach ends stdin.")
  public Boolean stdinOnce;

  @JsonPropertyDescription("A terminal (peapod attach).")
  public Boolean tty;

  @JsonPropertyDescription("Restarts the container (per the pod's restartPolicy) when it fails.")
  public Probe livenessProbe;

  @JsonPropertyDescription("Decides the container's and the pod's Ready.")
  public Probe readinessProbe;

  @JsonPropertyDescription("Holds liveness and readiness back until it passes; ends the container when it fails.")
  public Probe startupProbe;

  @JsonPropertyDescription("postStart and preStop hooks.")
  public Lifecycle lifecycle;

  @JsonPropertyDescription("Accepted with a warning and ignored: termination messages are not collected.")
  public String terminationMessagePath;

  @JsonPropertyDescription("Accepted with a warning and ignored: termination messages are not collected.")
  public String terminationMessagePolicy;
}
