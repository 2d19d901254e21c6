package dev.peapod.provider;

import java.util.Objects;

/**
 * What to attach to with {@link Provider#attach}: a container's main process, as {@code docker
 * attach} and {@code kubectl attach} do.
 *
 * @param container the container whose main process it is
 * @param stdin this client writes the process's stdin (the container must have {@link
 *     ContainerSpec.Stdio#stdin()})
 * @param output the session's {@link AttachSession#stdout()} and {@link AttachSession#stderr()}
 *     carry the process's output from now on; without it they stay empty (a client that reads the
 *     output from the logs instead, as {@code peapod run} does)
 * @param size the terminal's size to set when the container has a tty; empty leaves it as it is
 */
public record AttachSpec(String container, boolean stdin, boolean output, java.util.Optional<ExecSpec.TerminalSize> size) {

  public AttachSpec {
    Objects.requireNonNull(container, "container");
    size = size == null ? java.util.Optional.empty() : size;
  }

  /** Output from now on, and stdin when {@code stdin}; the terminal's size left alone. */
  public static AttachSpec of(String container, boolean stdin) {
    return new AttachSpec(container, stdin, true, java.util.Optional.empty());
  }
}
