package dev.peapod.cli.pod;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peapod.cli.CliException;
import dev.peapod.cli.ErrorReporter;
import dev.peapod.cli.ExitCodes;
import dev.peapod.cli.controller.ControllerClient;
import dev.peapod.engine.RunText;
import dev.peapod.engine.lock.PodLock;
import dev.peapod.provider.InvalidStateException;
import dev.peapod.provider.PodState;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Boots a pod in the controller that serves this Peapod home ({@code peapod serve}), when one
 * does: {@code POST /v1/pods/NAME/start} on {@code $PEAPOD_HOME/peapod.sock}, as the Docker CLI
 * hands its commands to dockerd. The controller is a warm JVM that keeps the warm VM pool; a
 * command that hands it the boot neither loads nor runs the provider's start path itself.
 *
 * <p>Only the boot goes over: the command still reads, checks, converts and creates the pod
 * itself, so what it prints and how it fails before the boot is the same with or without a
 * controller. What the boot prints is made from the controller's answer, which has the shape
 * {@code peapod ps -o json} prints ({@link dev.peapod.engine.PodView}, less the owner), and a
 * failure is turned back into the exit code and message the same failure here would give, from
 * the problem's {@code exception} class. With no controller (no socket, or a connection refused
 * because the one that made it ended) nothing was sent and the caller boots the pod itself.
 */
public final class ControllerBoot {
  private ControllerBoot() {}

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The pod started by the controller, or empty when no controller serves {@code home}.
   *
   * @param lock the pod's lock, held by this command: let go once a controller is connected,
   *     since the controller takes it for the boot
   */
  static Optional<PodCommands.Started> start(Path home, String pod, PodLock lock) {
    Optional<ControllerClient.Response> answer = new ControllerClient(home)
        .postIfServed("/v1/pods/" + pod + "/start", lock::close);
    return answer.map(response -> started(pod, response));
  }

  static PodCommands.Started started(String pod, ControllerClient.Response response) {
    Map<String, Object> body = read(response);
    if (response.status() != 200) {
      throw failure(pod, response.status(), body);
    }
    body.remove("owner"); // the CLI's own output has none
    return new PodCommands.Started(pod, body, bootText(body.get("vm")));
  }

  static Map<String, Object> read(ControllerClient.Response response) {
    try {
      Map<String, Object> body = JSON.readValue(response.body(), new TypeReference<LinkedHashMap<String, Object>>() {});
      return body == null ? new LinkedHashMap<>() : body;
    } catch (IOException e) {
      throw new CliException(ExitCodes.ERROR, "the controller answered " + response.status() + " with no JSON");
    }
  }

  /** What the command would have thrown had it booted the pod itself. */
  static RuntimeException failure(String pod, int status, Map<String, Object> problem) {
    String detail = String.valueOf(problem.getOrDefault("detail", "the controller answered " + status));
    Class<?> type = exceptionType(problem.get("exception"));
    if (type == InvalidStateException.class && problem.get("state") instanceof String state) {
      // run converges on a pod that runs already (PodCreateCommand): it needs the state, not a message
      try {
        String prefix = "pod \"" + pod + "\": "; // the provider's message, which the exception words again
        return new InvalidStateException(pod, PodState.valueOf(state),
            detail.startsWith(prefix) ? detail.substring(prefix.length()) : detail);
      } catch (IllegalArgumentException e) {
        // a state this CLI does not know: reported as any other failure
      }
    }
    if (type == null) {
      return new CliException(ExitCodes.ERROR, "the controller answered " + status + ": " + detail);
    }
    return new CliException(ErrorReporter.exitCode(type), ErrorReporter.message(type, detail));
  }

  /** The class a problem names, not initialised; null when it names none this CLI knows. */
  private static Class<?> exceptionType(Object name) {
    if (!(name instanceof String className)) {
      return null;
    }
    try {
      Class<?> type = Class.forName(className, false, ControllerBoot.class.getClassLoader());
      return Throwable.class.isAssignableFrom(type) ? type : null;
    } catch (ClassNotFoundException | LinkageError e) {
      return null;
    }
  }

  /** {@code in 1.2s (boot id ..., tcg, restored ...)}, as {@link PodCommands#bootText} words a VM. */
  static String bootText(Object vm) {
    return RunText.bootText(vm);
  }
}
