package dev.peapod.provider;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A process to run in a container of a running pod, like {@code kubectl exec}.
 *
 * @param container the container whose root, mounts and namespaces it joins
 * @param command argv; argv[0] is looked up in PATH
 * @param env extra environment on top of the container's defaults
 * @param workingDir absolute path, or empty for the container's
 * @param user as in {@link ContainerSpec#user()}, or empty for root
 * @param tty give the process a terminal (stderr then arrives on stdout)
 * @param size the terminal's initial size when {@code tty}
 */
public record ExecSpec(
    String container,
    List<String> command,
    Map<String, String> env,
    String workingDir,
    String user,
    boolean tty,
    TerminalSize size) {

  public ExecSpec {
    Objects.requireNonNull(container, "container");
    command = List.copyOf(command);
    if (command.isEmpty()) {
      throw new IllegalArgumentException("exec needs a command");
    }
    env = env == null ? Map.of() : Map.copyOf(env);
    workingDir = workingDir == null ? "" : workingDir;
    user = user == null ? "" : user;
    size = size == null ? TerminalSize.DEFAULT : size;
  }

  public static ExecSpec of(String container, String... command) {
    return new ExecSpec(container, List.of(command), null, null, null, false, null);
  }

  public record TerminalSize(int rows, int cols) {
    public static final TerminalSize DEFAULT = new TerminalSize(24, 80);
  }
}
