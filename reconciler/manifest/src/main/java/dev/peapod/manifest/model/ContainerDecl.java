package dev.peapod.manifest.model;

import java.util.List;
import java.util.Objects;

/**
 * One container as declared, with Kubernetes defaults resolved but not the image's: an empty
 * {@code command} or {@code args} means "the image's entrypoint / cmd".
 *
 * @param name DNS-1123 label, unique among all containers and init containers of the pod
 * @param image image reference as written ({@code nginx:1.25})
 * @param imagePullPolicy resolved from the tag when not written
 * @param command replaces the image's entrypoint when not empty
 * @param args replaces the image's cmd when not empty
 * @param env in declaration order
 * @param workingDir absolute path, or empty for the image's
 * @param ports declared ports
 * @param volumeMounts pod volumes this container mounts
 * @param resources limits and (defaulted) requests
 * @param runAs user and group, container settings over pod settings
 * @param sidecar an init container with {@code restartPolicy: Always}: it starts in init order and
 *     keeps running beside the app containers (Kubernetes 1.29 sidecars); always false for app
 *     containers
 * @param stdio the main process's stdin and terminal
 * @param restartPolicy this container's own policy, or null for the pod's (a HyperContainer file
 *     may set one per container; Kubernetes app containers always take the pod's)
 * @param lifecycle probes and lifecycle hooks
 * @param security the container's securityContext as it takes effect, pod settings merged in
 */
public record ContainerDecl(
    String name,
    String image,
    PullPolicy imagePullPolicy,
    List<String> command,
    List<String> args,
    List<EnvVar> env,
    String workingDir,
    List<PortDecl> ports,
    List<MountDecl> volumeMounts,
    Resources resources,
    RunAs runAs,
    boolean sidecar,
    List<EnvFromDecl> envFrom,
    Stdio stdio,
    RestartPolicy restartPolicy,
    LifecycleDecl lifecycle,
    SecurityDecl security) {

  public ContainerDecl {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(image, "image");
    imagePullPolicy = imagePullPolicy == null ? PullPolicy.defaultFor(image) : imagePullPolicy;
    command = List.copyOf(command == null ? List.of() : command);
    args = List.copyOf(args == null ? List.of() : args);
    env = List.copyOf(env == null ? List.of() : env);
    workingDir = workingDir == null ? "" : workingDir;
    ports = List.copyOf(ports == null ? List.of() : ports);
    volumeMounts = List.copyOf(volumeMounts == null ? List.of() : volumeMounts);
    resources = resources == null ? Resources.NONE : resources;
    runAs = runAs == null ? RunAs.IMAGE_DEFAULT : runAs;
    envFrom = List.copyOf(envFrom == null ? List.of() : envFrom);
    stdio = stdio == null ? Stdio.NONE : stdio;
    lifecycle = lifecycle == null ? LifecycleDecl.NONE : lifecycle;
    security = security == null ? SecurityDecl.DEFAULT : security;
  }

  /** A container without a securityContext beyond its user. */
  public ContainerDecl(String name, String image, PullPolicy imagePullPolicy, List<String> command,
      List<String> args, List<EnvVar> env, String workingDir, List<PortDecl> ports,
      List<MountDecl> volumeMounts, Resources resources, RunAs runAs, boolean sidecar, List<EnvFromDecl> envFrom,
      Stdio stdio, RestartPolicy restartPolicy, LifecycleDecl lifecycle) {
    this(name, image, imagePullPolicy, command, args, env, workingDir, ports, volumeMounts, resources,
        runAs, sidecar, envFrom, stdio, restartPolicy, lifecycle, null);
  }

  /** A container without probes or hooks. */
  public ContainerDecl(String name, String image, PullPolicy imagePullPolicy, List<String> command,
      List<String> args, List<EnvVar> env, String workingDir, List<PortDecl> ports,
      List<MountDecl> volumeMounts, Resources resources, RunAs runAs, boolean sidecar, List<EnvFromDecl> envFrom,
      Stdio stdio, RestartPolicy restartPolicy) {
    this(name, image, imagePullPolicy, command, args, env, workingDir, ports, volumeMounts, resources,
        runAs, sidecar, envFrom, stdio, restartPolicy, LifecycleDecl.NONE);
  }

  /** A container with the pod's restart policy. */
  public ContainerDecl(String name, String image, PullPolicy imagePullPolicy, List<String> command,
      List<String> args, List<EnvVar> env, String workingDir, List<PortDecl> ports,
      List<MountDecl> volumeMounts, Resources resources, RunAs runAs, boolean sidecar, List<EnvFromDecl> envFrom,
      Stdio stdio) {
    this(name, image, imagePullPolicy, command, args, env, workingDir, ports, volumeMounts, resources,
        runAs, sidecar, envFrom, stdio, null, LifecycleDecl.NONE);
  }

  /** A container without stdin or a terminal. */
  public ContainerDecl(String name, String image, PullPolicy imagePullPolicy, List<String> command,
      List<String> args, List<EnvVar> env, String workingDir, List<PortDecl> ports,
      List<MountDecl> volumeMounts, Resources resources, RunAs runAs, boolean sidecar, List<EnvFromDecl> envFrom) {
    this(name, image, imagePullPolicy, command, args, env, workingDir, ports, volumeMounts, resources,
        runAs, sidecar, envFrom, Stdio.NONE);
  }

  /** A container without {@code envFrom}, stdin or a terminal. */
  public ContainerDecl(String name, String image, PullPolicy imagePullPolicy, List<String> command,
      List<String> args, List<EnvVar> env, String workingDir, List<PortDecl> ports,
      List<MountDecl> volumeMounts, Resources resources, RunAs runAs, boolean sidecar) {
    this(name, image, imagePullPolicy, command, args, env, workingDir, ports, volumeMounts, resources,
        runAs, sidecar, null, Stdio.NONE);
  }

  public ContainerDecl withStdio(Stdio newStdio) {
    return new ContainerDecl(name, image, imagePullPolicy, command, args, env, workingDir, ports, volumeMounts,
        resources, runAs, sidecar, envFrom, newStdio, restartPolicy, lifecycle, security);
  }

  /** The same container with its own restart policy (null: the pod's). */
  public ContainerDecl withRestartPolicy(RestartPolicy policy) {
    return new ContainerDecl(name, image, imagePullPolicy, command, args, env, workingDir, ports, volumeMounts,
        resources, runAs, sidecar, envFrom, stdio, policy, lifecycle, security);
  }

  public ContainerDecl withLifecycle(LifecycleDecl newLifecycle) {
    return new ContainerDecl(name, image, imagePullPolicy, command, args, env, workingDir, ports, volumeMounts,
        resources, runAs, sidecar, envFrom, stdio, restartPolicy, newLifecycle, security);
  }

  /** A container that runs the image as it is. */
  public static ContainerDecl of(String name, String image) {
    return new ContainerDecl(name, image, null, null, null, null, null, null, null, null, null,
        false);
  }
}
