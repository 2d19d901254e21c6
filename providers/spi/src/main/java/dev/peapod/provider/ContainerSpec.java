package dev.peapod.provider;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One container of a pod, with image defaults already applied.
 *
 * @param name DNS-1123 label, unique within the pod
 * @param image the read-only root filesystem it runs from
 * @param command the final argv (entrypoint and cmd already merged); argv[0] is looked up in PATH
 * @param env environment in declaration order
 * @param workingDir absolute path, or empty for "/"
 * @param user "uid", "uid:gid", "name" or "name:group", resolved inside the container; empty for root
 * @param restartPolicy what the guest does when the main process exits
 * @param mounts pod volumes mounted into this container
 * @param stdio the main process's stdin and terminal ({@link Stdio#NONE}: stdin from /dev/null, no tty)
 * @param lifecycle probes and lifecycle hooks the guest runs
 * @param security how the container is confined (capabilities, no_new_privs, seccomp, read-only
 *     root, runAsNonRoot, groups); {@link ContainerSecurity#DEFAULT} when null
 * @param secretEnv variables whose values come from a Secret, by name (they win over {@code env});
 *     only the reference is here, the value is given with each start or replace ({@link
 *     SecretValues}), so a recorded spec holds no Secret
 */
public record ContainerSpec(
    String name,
    ImageRootfs image,
    List<String> command,
    Map<String, String> env,
    String workingDir,
    String user,
    RestartPolicy restartPolicy,
    List<VolumeMount> mounts,
    Stdio stdio,
    ContainerLifecycle lifecycle,
    ContainerSecurity security,
    Map<String, SecretKey> secretEnv) {

  public ContainerSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(image, "image");
    command = List.copyOf(command);
    env = env == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(env));
    workingDir = workingDir == null ? "" : workingDir;
    user = user == null ? "" : user;
    restartPolicy = restartPolicy == null ? RestartPolicy.NEVER : restartPolicy;
    mounts = List.copyOf(mounts == null ? List.of() : mounts);
    stdio = stdio == null ? Stdio.NONE : stdio;
    lifecycle = lifecycle == null ? ContainerLifecycle.NONE : lifecycle;
    security = security == null ? ContainerSecurity.DEFAULT : security;
    secretEnv = secretEnv == null ? Map.of()
        : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(secretEnv));
  }

  /** A container without Secret-backed variables. */
  public ContainerSpec(String name, ImageRootfs image, List<String> command, Map<String, String> env,
      String workingDir, String user, RestartPolicy restartPolicy, List<VolumeMount> mounts, Stdio stdio,
      ContainerLifecycle lifecycle, ContainerSecurity security) {
    this(name, image, command, env, workingDir, user, restartPolicy, mounts, stdio, lifecycle, security, null);
  }

  /** A container confined by the runtimes' defaults. */
  public ContainerSpec(String name, ImageRootfs image, List<String> command, Map<String, String> env,
      String workingDir, String user, RestartPolicy restartPolicy, List<VolumeMount> mounts, Stdio stdio,
      ContainerLifecycle lifecycle) {
    this(name, image, command, env, workingDir, user, restartPolicy, mounts, stdio, lifecycle, null);
  }

  /** A container without probes or hooks. */
  public ContainerSpec(String name, ImageRootfs image, List<String> command, Map<String, String> env,
      String workingDir, String user, RestartPolicy restartPolicy, List<VolumeMount> mounts, Stdio stdio) {
    this(name, image, command, env, workingDir, user, restartPolicy, mounts, stdio, ContainerLifecycle.NONE);
  }

  /** A container whose main process has no stdin and no terminal. */
  public ContainerSpec(String name, ImageRootfs image, List<String> command, Map<String, String> env,
      String workingDir, String user, RestartPolicy restartPolicy, List<VolumeMount> mounts) {
    this(name, image, command, env, workingDir, user, restartPolicy, mounts, Stdio.NONE, ContainerLifecycle.NONE);
  }

  /**
   * The main process's stdin and terminal, Kubernetes' container fields of the same names.
   *
   * @param stdin it reads a stdin that attached clients write ({@link Provider#attach}); otherwise /dev/null
   * @param stdinOnce the first attached client that detaches ends its input (until a restart)
   * @param tty stdin, stdout and stderr are one terminal (its output then is all stdout)
   */
  public record Stdio(boolean stdin, boolean stdinOnce, boolean tty) {
    public static final Stdio NONE = new Stdio(false, false, false);
  }

  public ContainerSpec withStdio(Stdio newStdio) {
    return new ContainerSpec(name, image, command, env, workingDir, user, restartPolicy, mounts, newStdio, lifecycle, security, secretEnv);
  }

  /** A container with default env, cwd, user, no mounts, and restart policy Never. */
  public static ContainerSpec of(String name, ImageRootfs image, List<String> command) {
    return new ContainerSpec(name, image, command, null, null, null, null, null);
  }

  public ContainerSpec withEnv(Map<String, String> newEnv) {
    return new ContainerSpec(name, image, command, newEnv, workingDir, user, restartPolicy, mounts, stdio, lifecycle, security, secretEnv);
  }

  public ContainerSpec withWorkingDir(String dir) {
    return new ContainerSpec(name, image, command, env, dir, user, restartPolicy, mounts, stdio, lifecycle, security, secretEnv);
  }

  public ContainerSpec withUser(String newUser) {
    return new ContainerSpec(name, image, command, env, workingDir, newUser, restartPolicy, mounts, stdio, lifecycle, security, secretEnv);
  }

  public ContainerSpec withRestartPolicy(RestartPolicy policy) {
    return new ContainerSpec(name, image, command, env, workingDir, user, policy, mounts, stdio, lifecycle, security, secretEnv);
  }

  public ContainerSpec withMounts(List<VolumeMount> newMounts) {
    return new ContainerSpec(name, image, command, env, workingDir, user, restartPolicy, newMounts, stdio, lifecycle, security, secretEnv);
  }

  public ContainerSpec withSecurity(ContainerSecurity newSecurity) {
    return new ContainerSpec(name, image, command, env, workingDir, user, restartPolicy, mounts, stdio, lifecycle,
        newSecurity, secretEnv);
  }

  public ContainerSpec withSecretEnv(Map<String, SecretKey> newSecretEnv) {
    return new ContainerSpec(name, image, command, env, workingDir, user, restartPolicy, mounts, stdio, lifecycle,
        security, newSecretEnv);
  }

  public ContainerSpec withLifecycle(ContainerLifecycle newLifecycle) {
    return new ContainerSpec(name, image, command, env, workingDir, user, restartPolicy, mounts, stdio, newLifecycle, security, secretEnv);
  }
}
