package dev.peapod.images.config;

import java.util.List;

/**
 * What a pod's container says about its process, in Kubernetes PodSpec terms. Null or
 * empty lists and strings mean "not set" (Kubernetes omits empty values, so the two
 * cannot be told apart in YAML either).
 *
 * @param command {@code command}: replaces the image's Entrypoint
 * @param args {@code args}: replaces the image's Cmd
 * @param env {@code env}, in declaration order
 * @param workingDir {@code workingDir}
 * @param runAsUser {@code securityContext.runAsUser}, or null
 * @param runAsGroup {@code securityContext.runAsGroup}, or null
 */
public record ContainerOverrides(
    List<String> command, List<String> args, List<EnvVar> env, String workingDir, Long runAsUser, Long runAsGroup) {

  public ContainerOverrides {
    command = command == null ? List.of() : List.copyOf(command);
    args = args == null ? List.of() : List.copyOf(args);
    env = env == null ? List.of() : List.copyOf(env);
    workingDir = workingDir == null ? "" : workingDir;
  }

  /** A container that overrides nothing. */
  public static ContainerOverrides none() {
    return new ContainerOverrides(null, null, null, null, null, null);
  }

  public ContainerOverrides withCommand(List<String> value) {
    return new ContainerOverrides(value, args, env, workingDir, runAsUser, runAsGroup);
  }

  public ContainerOverrides withArgs(List<String> value) {
    return new ContainerOverrides(command, value, env, workingDir, runAsUser, runAsGroup);
  }

  public ContainerOverrides withEnv(List<EnvVar> value) {
    return new ContainerOverrides(command, args, value, workingDir, runAsUser, runAsGroup);
  }

  public ContainerOverrides withWorkingDir(String value) {
    return new ContainerOverrides(command, args, env, value, runAsUser, runAsGroup);
  }

  public ContainerOverrides withRunAs(Long user, Long group) {
    return new ContainerOverrides(command, args, env, workingDir, user, group);
  }
}
