package dev.peapod.images.config;

import dev.peapod.images.oci.ImageConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Merges an image's config with a container's overrides exactly as Docker and
 * Kubernetes do:
 * <table>
 *   <caption>command line (Kubernetes "Notes" on command and args)</caption>
 *   <tr><th>command</th><th>args</th><th>runs</th></tr>
 *   <tr><td>-</td><td>-</td><td>Entrypoint + Cmd</td></tr>
 *   <tr><td>set</td><td>-</td><td>command (Cmd is dropped)</td></tr>
 *   <tr><td>-</td><td>set</td><td>Entrypoint + args</td></tr>
 *   <tr><td>set</td><td>set</td><td>command + args</td></tr>
 * </table>
 * Environment: the image's Env first, then the container's env overriding by name;
 * PATH gets Docker's default when neither sets it. {@code $(VAR)} in command, args and
 * env values expands from the container's env only, as in Kubernetes (it does not see
 * the image's Env). Working directory: the container's, else the image's, else
 * {@code /}. User: runAsUser[:runAsGroup] when set, else the image's User.
 */
public final class ContainerDefaults {
  /** Docker's and containerd's PATH for images that set none. */
  public static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  private ContainerDefaults() {}

  /**
   * @param container names the container in errors
   * @throws InvalidContainerException when there is nothing to run or a group is set without a user
   */
  public static ProcessDefaults apply(ImageConfig image, ContainerOverrides overrides, String container) {
    Map<String, String> containerEnv = containerEnv(overrides);
    List<String> argv = argv(image, overrides, containerEnv);
    if (argv.isEmpty()) {
      throw new InvalidContainerException("container \"" + container + "\" has no command: the image sets neither"
          + " Entrypoint nor Cmd, and the container sets no command");
    }
    return new ProcessDefaults(argv, env(image, containerEnv), workingDir(image, overrides),
        user(image, overrides, container));
  }

  private static List<String> argv(ImageConfig image, ContainerOverrides overrides, Map<String, String> env) {
    List<String> argv = new ArrayList<>();
    if (!overrides.command().isEmpty()) {
      overrides.command().forEach(a -> argv.add(VariableExpansion.expand(a, env)));
    } else if (image.entrypoint() != null) {
      argv.addAll(image.entrypoint());
    }
    if (!overrides.args().isEmpty()) {
      overrides.args().forEach(a -> argv.add(VariableExpansion.expand(a, env)));
    } else if (overrides.command().isEmpty() && image.cmd() != null) {
      argv.addAll(image.cmd());
    }
    return argv;
  }

  /** The container's env with each value expanded against the variables defined before it. */
  private static Map<String, String> containerEnv(ContainerOverrides overrides) {
    Map<String, String> env = new LinkedHashMap<>();
    for (EnvVar variable : overrides.env()) {
      env.put(variable.name(), VariableExpansion.expand(variable.value(), env));
    }
    return env;
  }

  private static Map<String, String> env(ImageConfig image, Map<String, String> containerEnv) {
    Map<String, String> env = new LinkedHashMap<>();
    for (String entry : image.env()) {
      int eq = entry.indexOf('=');
      if (eq > 0) {
        env.put(entry.substring(0, eq), entry.substring(eq + 1));
      } else if (eq < 0 && !entry.isEmpty()) {
        env.put(entry, ""); // "NAME" alone: Docker passes it as empty
      }
    }
    if (!env.containsKey("PATH") && !containerEnv.containsKey("PATH")) {
      env.put("PATH", DEFAULT_PATH);
    }
    env.putAll(containerEnv);
    return env;
  }

  private static String workingDir(ImageConfig image, ContainerOverrides overrides) {
    if (!overrides.workingDir().isEmpty()) {
      return overrides.workingDir();
    }
    return image.workingDir().isEmpty() ? "/" : image.workingDir();
  }

  /** containerd's generateUserString: the pod's ids win over the image's User. */
  private static String user(ImageConfig image, ContainerOverrides overrides, String container) {
    if (overrides.runAsUser() == null) {
      if (overrides.runAsGroup() != null) {
        throw new InvalidContainerException("container \"" + container + "\" sets runAsGroup "
            + overrides.runAsGroup() + " without runAsUser");
      }
      return image.user();
    }
    return overrides.runAsUser() + (overrides.runAsGroup() != null ? ":" + overrides.runAsGroup() : "");
  }
}
