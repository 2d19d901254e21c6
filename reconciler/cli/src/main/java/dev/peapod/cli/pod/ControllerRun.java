package dev.peapod.cli.pod;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peapod.cli.CliEnvironment;
import dev.peapod.cli.CliException;
import dev.peapod.cli.ExitCodes;
import dev.peapod.cli.PeapodCommand;
import dev.peapod.cli.controller.ControllerClient;
import dev.peapod.cli.output.Output;
import dev.peapod.engine.RunText;
import dev.peapod.engine.spec.HostPathAllowList;
import dev.peapod.engine.spec.ManifestToPodSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code peapod run -f FILE} handed whole to the controller serving this Peapod home ({@code POST
 * /v1/cli/run} on {@code $PEAPOD_HOME/peapod.sock}): the command reads the file and sends it, and
 * prints what the controller answers, so it neither parses the manifest nor opens the image store
 * nor writes a record nor boots a VM itself; its JVM does little more than start. The controller
 * does what {@link PodCreateCommand} does for a one-pod file, and gives back before changing
 * anything every case off that path (an invalid or multi-pod file, Secrets, a pull, a locked
 * pod...: see the engine's {@code HandedRuns}), which this command then runs itself, so an
 * error's output and exit code come from one place. What it prints is made here from the answer
 * with the same words {@link PodCreateCommand} uses: warnings on stderr, {@code Created NAME} or
 * {@code Exists NAME (same spec)}, {@code Started NAME in ...} or {@code Already running NAME},
 * the pod's data with {@code -o json|yaml}; a failure becomes the exception the command would have
 * raised ({@link ControllerBoot#failure}). On a terminal no {@code Booting} line is drawn
 * meanwhile: nothing here knows the pod's name before the answer.
 */
public final class ControllerRun {
  private ControllerRun() {}

  /**
   * Set once this process asked the controller and was given the run back ({@link
   * dev.peapod.cli.HandedRun} asks before picocli starts): the command then runs it without
   * asking again. One command per process, so a process-wide flag.
   */
  private static volatile boolean givenBack;

  private static final System.Logger LOG = System.getLogger(ControllerRun.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PATH = "/v1/cli/run";
  /**
   * Set by the launcher's client ({@code reconciler/cli/src/main/c/peapod-handoff.c}) when it sent
   * this very run to the controller itself and was answered with what it does not print on its own
   * (a run given back, a failure): {@code http } and the HTTP response as it read it, in base64 (an
   * environment variable is decoded in the locale's charset, bytes are not), or {@code
   * error MESSAGE} when the exchange broke once the request was sent. The command
   * then carries on from that answer as if it had asked, so its output and exit code come from here.
   */
  public static final String RELAYED = "PEAPOD_HANDED_RESPONSE";

  /**
   * Runs the file's pods in the controller and prints the outcome; false, with nothing printed or
   * changed, when no controller serves this home or it gave the work back (the caller runs them).
   */
  static boolean run(PeapodCommand root, CommandSpec spec, Output output, Path file) {
    return !givenBack && run(root.environment(), PodCommands.commandText(spec), output, file);
  }

  /**
   * {@link #run(PeapodCommand, CommandSpec, Output, Path)} for a caller without picocli's model.
   *
   * @param command the command line as the pod lock names its holder ({@code peapod run -f web.yaml})
   */
  public static boolean run(CliEnvironment environment, String command, Output output, Path file) {
    // The controller's host path allow-list is the home's file alone: a command widening it runs here.
    if (environment.env().get("PEAPOD_HOSTPATHS") != null || !Files.isRegularFile(file)) {
      return false;
    }
    String body;
    try {
      Map<String, Object> request = new LinkedHashMap<>();
      request.put("file", file.toString()); // as typed: diagnostics and records name it so
      request.put("content", new String(Files.readAllBytes(file), StandardCharsets.UTF_8)); // as ManifestParser reads it
      request.put("command", command);
      request.put("hostPathsFromEnvironment", false);
      // Localhost seccomp profiles are read where this command would read them (PEAPOD_SECCOMP_DIR
      // is the command's to set): the controller gives the run back when its own directory differs.
      request.put("seccompDir", ManifestToPodSpec.seccompProfilesDirectory(
          HostPathAllowList.load(environment.home(), environment.env())).toString());
      body = JSON.writeValueAsString(request);
    } catch (IOException e) {
      return false; // the command's own read reports it
    }
    ControllerClient client = new ControllerClient(environment.home());
    String relayed = environment.env().get(RELAYED);
    Optional<ControllerClient.Response> answer = relayed != null ? relayed(client, relayed)
        : client.postIfServed(PATH, body, () -> {});
    if (answer.isEmpty()) {
      return false;
    }
    ControllerClient.Response response = answer.get();
    if (List.of(400, 404, 405, 415, 422).contains(response.status())) {
      // Refused before anything was done: a controller from before this endpoint, or one that cannot
      // read this command's request (another version's). The command runs it itself.
      LOG.log(System.Logger.Level.DEBUG, () -> "peapod run: the controller refused the request ("
          + response.status() + "): " + response.body());
      givenBack = true;
      return false;
    }
    Map<String, Object> result = ControllerBoot.read(response);
    if (response.status() != 200) {
      throw ControllerBoot.failure("", response.status(), result);
    }
    if (result.get("declined") instanceof String reason) {
      LOG.log(System.Logger.Level.DEBUG, () -> "peapod run: the controller gave the run back: " + reason);
      givenBack = true;
      return false;
    }
    print(output, result);
    return true;
  }

  /**
   * The answer the launcher's client was given ({@link #RELAYED}); empty when the server closed the connection
   * without a byte (it refused the request, e.g. too large, or ended): the command runs it itself then, and
   * finishes whatever that server began, as after a crash.
   */
  private static Optional<ControllerClient.Response> relayed(ControllerClient client, String text) {
    if (text.startsWith("error ")) {
      throw client.failed(text.substring("error ".length()));
    }
    if (!text.startsWith("http ")) {
      throw new CliException(ExitCodes.ERROR, "peapod run: " + RELAYED + " holds no answer of the controller");
    }
    try {
      byte[] raw = java.util.Base64.getDecoder().decode(text.substring("http ".length()));
      if (raw.length == 0) {
        LOG.log(System.Logger.Level.DEBUG, "peapod run: the server closed the connection without an answer");
        return Optional.empty();
      }
      return Optional.of(ControllerClient.parse(raw));
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCodes.ERROR, "peapod run: " + RELAYED + " holds no answer of the controller");
    }
  }

  @SuppressWarnings("unchecked")
  private static void print(Output output, Map<String, Object> result) {
    if (result.get("warnings") instanceof List<?> warnings && !warnings.isEmpty()) {
      warnings.forEach(w -> output.err().println(w));
      output.err().flush();
    }
    String pod = String.valueOf(result.get("pod"));
    boolean existed = Boolean.TRUE.equals(result.get("existed"));
    String created = RunText.created(pod, existed);
    Map<String, Object> data = result.get("data") instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of();
    String outcome = String.valueOf(result.get("outcome"));
    switch (outcome) {
      case "notStarted", "started", "alreadyRunning" ->
          RunText.lines(pod, existed, outcome, data).forEach(line -> PodCommands.say(output, line));
      case "failed" -> {
        if ("started".equals(result.get("failedAt"))) {
          PodCommands.say(output, created);
        } else if ("recorded".equals(result.get("failedAt"))) {
          // the pod started; only its record failed: said as started, then the failure
          RunText.lines(pod, existed, "started", data).forEach(line -> PodCommands.say(output, line));
        }
        Map<String, Object> problem = result.get("problem") instanceof Map<?, ?> p
            ? new LinkedHashMap<>((Map<String, Object>) p) : new LinkedHashMap<>();
        throw ControllerBoot.failure(pod, 500, problem);
      }
      default -> throw new CliException(ExitCodes.ERROR, "the controller answered a run with no outcome: "
          + describe(result));
    }
    if (output.structured()) {
      output.data(data);
    }
  }

  private static String describe(Map<String, Object> result) {
    try {
      return JSON.writeValueAsString(result);
    } catch (JsonProcessingException e) {
      return String.valueOf(result);
    }
  }
}
