package dev.peapod.engine.handoff;

import dev.peapod.apply.PodRecords;
import dev.peapod.apply.SecretInputs;
import dev.peapod.engine.BesideStart;
import dev.peapod.engine.Engine;
import dev.peapod.engine.PodView;
import dev.peapod.engine.RunText;
import dev.peapod.engine.config.ConfigReferences;
import dev.peapod.engine.config.ConfigResolver;
import dev.peapod.engine.lock.PodLock;
import dev.peapod.engine.lock.PodLockedException;
import dev.peapod.engine.spec.HostPathAllowList;
import dev.peapod.engine.spec.ManifestToPodSpec;
import dev.peapod.engine.spec.StoreImageSource;
import dev.peapod.manifest.ManifestParser;
import dev.peapod.manifest.ParseResult;
import dev.peapod.manifest.model.DesiredState;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.plan.Action;
import dev.peapod.plan.DesiredPod;
import dev.peapod.plan.Owners;
import dev.peapod.provider.InvalidStateException;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.PodState;
import dev.peapod.provider.PodStatus;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * {@code peapod run -f FILE} done for the CLI, whole, by a process that is already warm: the
 * controller ({@code POST /v1/cli/run}) or, with no controller, the home's run server (the CLI's
 * {@code RunServer}). The command (or the launcher's client) sends the file as it read it and
 * prints what this answers, so a run costs it little more than starting. Not an API for other
 * clients: its answer is the CLI's output in pieces.
 *
 * <p>It does exactly what the command's own {@code run -f} does for a one-pod file (see {@code
 * PodCreateCommand}): the same parse, ConfigMaps of the same file, host path allow-list, conversion,
 * pod lock (held in the command's name), a pod that exists with the same spec taken as it is, the
 * records with owner {@code cli} (or the pod's owner), a start unless {@code spec.state: Created},
 * and "already running" for a pod that runs. Everything that is not that common path is given back
 * before anything changes ({@code declined}, with the reason), and the command then does the work
 * itself as without a controller, so its output and exit code come from the one implementation:
 * an invalid manifest, several pods in the file, a pod that uses Secrets (their values are the
 * command's, never written down), an image that would have to be pulled (the command pulls with
 * progress on a terminal), a pod that names host paths (a relative one is the command's directory's,
 * and the request's file name is the sender's word), a host path the allow-list refuses, a pod that
 * exists with a different spec, a pod lock another process holds, {@code PEAPOD_HOSTPATHS} set for
 * the command (the allow-list here is the home's file alone), a command whose Localhost seccomp
 * profiles directory is not this process's ({@code PEAPOD_SECCOMP_DIR} set for one of them). A failure once the pod is being
 * created comes back as the problem the command turns into its own exception, exit code and message.
 *
 * <p>Answer: {@code {"declined": REASON}}, or {@code {"warnings": [...], "pod": NAME, "existed":
 * bool, "outcome": "created"|"started"|"alreadyRunning"|"notStarted"|"failed", "data": {...}
 * (what -o json prints, no owner), "problem": {...} (failed), "failedAt": "created"|"started"|"recorded"
 * (failed: "recorded" when the pod started and only its record's write failed, "data" then the started
 * pod's)}}; with {@code text} asked, a run that
 * ended well also has {@code "stdout"} and {@code "stderr"}: what the command prints for it in its
 * table output ({@link RunText}).
 */
public final class HandedRuns {

  private static final System.Logger LOG = System.getLogger(HandedRuns.class.getName());

  /**
   * What the command sends: the file's name as typed, its text, its command line, whether
   * PEAPOD_HOSTPATHS is set, the directory it reads Localhost seccomp profiles from (its
   * PEAPOD_SECCOMP_DIR or its home's; none from a command older than this field); {@code text}: also
   * answer the run's table output as the command prints it.
   */
  public record Request(String file, String content, String command, boolean hostPathsFromEnvironment,
      String seccompDir, boolean text) {

    /**
     * The request a JSON object holds (as a JSON reader gives it: strings and booleans).
     *
     * @throws IllegalArgumentException when a field has a value of another type
     */
    public static Request of(Map<String, Object> json) {
      return new Request(string(json, "file"), string(json, "content"), string(json, "command"),
          flag(json, "hostPathsFromEnvironment"), string(json, "seccompDir"), flag(json, "text"));
    }

    private static String string(Map<String, Object> json, String name) {
      Object value = json.get(name);
      if (value != null && !(value instanceof String)) {
        throw new IllegalArgumentException(name + " must be a string");
      }
      return (String) value;
    }

    private static boolean flag(Map<String, Object> json, String name) {
      Object value = json.get(name);
      if (value != null && !(value instanceof Boolean)) {
        throw new IllegalArgumentException(name + " must be true or false");
      }
      return Boolean.TRUE.equals(value);
    }
  }

  /** The fields a request may have: {@link Request}'s. */
  private static final java.util.Set<String> FIELDS = java.util.Arrays.stream(Request.class.getRecordComponents())
      .map(java.lang.reflect.RecordComponent::getName).collect(Collectors.toUnmodifiableSet());

  /**
   * The fields of a request this code does not know, when there are any: a newer command's. Such a
   * request is given back ({@link #declined}) rather than refused or run without them, since a field
   * this code ignores could change what the command would do: the command then runs it itself.
   */
  public static Optional<String> unknownFields(Map<String, Object> json) {
    List<String> unknown = json.keySet().stream().filter(name -> !FIELDS.contains(name)).sorted().toList();
    return unknown.isEmpty() ? Optional.empty() : Optional.of("fields " + String.join(", ", unknown));
  }

  /**
   * Runs a request as its JSON object came ({@link #run(Path, Function, Request)}), giving it back
   * when it has fields this code does not know.
   *
   * @throws IllegalArgumentException when the request lacks its file, content or command, or a field
   *     has a value of another type
   */
  public static Map<String, Object> run(Path home, Function<String, Engine> engines, Map<String, Object> json) {
    Optional<String> unknown = unknownFields(json);
    if (unknown.isPresent()) {
      return declined("this version of Peapod does not know the request's " + unknown.get());
    }
    return run(home, engines, Request.of(json));
  }

  private HandedRuns() {}

  /**
   * Runs the request in {@code home}.
   *
   * @param engines opens the engine for a command line (its pod locks name it)
   * @throws IllegalArgumentException when the request lacks its file, content or command
   */
  public static Map<String, Object> run(Path home, Function<String, Engine> engines, Request request) {
    if (request == null || request.file() == null || request.content() == null || request.command() == null) {
      throw new IllegalArgumentException("a run needs file, content and command");
    }
    Map<String, Object> answer = runWhole(home, engines, request);
    if (request.text() && answer.get("outcome") instanceof String outcome && answer.get("data") instanceof Map<?, ?> data) {
      @SuppressWarnings("unchecked")
      List<String> lines = RunText.lines(String.valueOf(answer.get("pod")), Boolean.TRUE.equals(answer.get("existed")),
          outcome, (Map<String, Object>) data);
      if (!lines.isEmpty()) { // a run that ended well; a failure is worded by the CLI itself
        answer.put("stdout", lines.stream().map(line -> line + "\n").collect(Collectors.joining()));
        answer.put("stderr", ((List<?>) answer.get("warnings")).stream().map(w -> w + "\n").collect(Collectors.joining()));
      }
    }
    return answer;
  }

  /** A run given back: nothing was changed, the command does it itself. */
  public static Map<String, Object> declined(String reason) {
    LOG.log(System.Logger.Level.DEBUG, () -> "a peapod run handed over was given back: " + reason);
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("declined", reason);
    return answer;
  }

  private static Map<String, Object> runWhole(Path home, Function<String, Engine> engines, Request request) {
    if (request.hostPathsFromEnvironment()) {
      return declined("PEAPOD_HOSTPATHS is set for the command");
    }
    ParseResult parsed = ManifestParser.parse(request.file(), request.content());
    if (!parsed.isValid()) {
      return declined("the manifest is invalid");
    }
    if (parsed.manifests().size() != 1) {
      return declined("the file declares " + parsed.manifests().size() + " pods");
    }
    List<String> warnings = new ArrayList<>();
    parsed.diagnostics().warnings().forEach(w -> warnings.add(String.valueOf(w)));
    PodManifest declared = parsed.manifests().get(0);
    ConfigReferences.Attached attached = ConfigReferences.attach(declared,
        declared.metadata().effectiveNamespace(), ConfigResolver.of(parsed.configObjects()));
    if (!attached.errors().isEmpty()) {
      return declined("a ConfigMap or Secret reference is unresolved");
    }
    PodManifest manifest = attached.pod();
    if (!SecretInputs.of(manifest).isEmpty()) {
      return declined("the pod uses Secrets");
    }
    if (ManifestToPodSpec.namesHostPaths(manifest)) {
      // The request's file name and directory are the sender's word, and a relative path would be
      // resolved against the controller's working directory: the command reads host paths itself,
      // with its own directory and permissions.
      return declined("the pod names host paths");
    }
    HostPathAllowList hostPaths = HostPathAllowList.load(home, Map.of());
    java.nio.file.Path seccompDir = ManifestToPodSpec.seccompProfilesDirectory(hostPaths);
    if (request.seccompDir() == null || !seccompDir.toString().equals(request.seccompDir())) {
      // The profiles are the command's (its PEAPOD_SECCOMP_DIR): read here, they could be other
      // files, or none. Given back even when the pod names no profile, so a run's outcome never
      // depends on which of the two directories was read.
      return declined("the command reads seccomp profiles from " + request.seccompDir() + ", this process from "
          + seccompDir);
    }
    if (!ManifestToPodSpec.unsupported(manifest, hostPaths).isEmpty()) {
      return declined("the pod asks for what the provider cannot run");
    }
    String pod = manifest.name();
    PodLock lock;
    try {
      lock = PodLock.acquire(home, pod, request.command());
    } catch (PodLockedException e) {
      return declined("the pod is locked");
    }
    try (lock; Engine engine = engines.apply(request.command())) {
      ManifestToPodSpec.Result converted;
      try {
        converted = new ManifestToPodSpec(StoreImageSource.presentOnly(engine.images()), hostPaths).convert(manifest);
      } catch (RuntimeException e) {
        return declined("the conversion failed or needs a pull: " + e.getMessage());
      }
      PodSpec spec = converted.spec();
      converted.warnings().forEach(w -> warnings.add(String.valueOf(w)));
      Optional<PodStatus> existing = engine.provider().inspect(pod);
      if (existing.isPresent() && !existing.get().spec().equals(spec)) {
        return declined("the pod exists with a different spec");
      }
      Map<String, Object> answer = new LinkedHashMap<>();
      answer.put("warnings", warnings);
      answer.put("pod", pod);
      answer.put("existed", existing.isPresent());
      PodStatus status;
      PodRecords records = engine.records();
      String owner;
      // A new pod that is to run gets its applied record written while it starts (see BesideStart).
      boolean recordBesideStart = existing.isEmpty() && manifest.spec().state() != DesiredState.CREATED;
      try {
        owner = records.owner(pod).orElse(Owners.CLI);
        if (existing.isEmpty()) {
          records.begin(pod, Action.CREATE, owner, manifest.origin().file());
          status = engine.provider().create(spec);
        } else {
          status = existing.get(); // what a rerun after an interrupted create finds: carry on from there
        }
        if (!recordBesideStart) {
          records.done(DesiredPod.of(manifest), owner);
        }
      } catch (RuntimeException e) {
        return failed(answer, "created", e);
      }
      if (manifest.spec().state() == DesiredState.CREATED) {
        return done(answer, "notStarted", status);
      }
      try {
        PodStatus started = recordBesideStart
            ? BesideStart.run(() -> records.done(DesiredPod.of(manifest), owner), () -> engine.provider().start(pod))
            : engine.provider().start(pod);
        return done(answer, "started", started);
      } catch (dev.peapod.engine.BesideStart.RecordFailedException e) {
        // The VM runs: said as such, not as a failed start (the record's pending marker makes the next plan redo it).
        if (e.started() instanceof PodStatus started) {
          Map<String, Object> data = PodView.data(started, null);
          data.remove("owner");
          answer.put("data", data);
        }
        return failed(answer, "recorded", e);
      } catch (InvalidStateException e) {
        if (e.actual() != PodState.RUNNING) {
          return failed(answer, "started", e);
        }
        return done(answer, "alreadyRunning", engine.provider().inspect(pod).orElse(status));
      } catch (RuntimeException e) {
        return failed(answer, "started", e);
      }
    }
  }

  private static Map<String, Object> done(Map<String, Object> answer, String outcome, PodStatus status) {
    answer.put("outcome", outcome);
    Map<String, Object> data = PodView.data(status, null);
    data.remove("owner"); // the CLI's own output has none
    answer.put("data", data);
    return answer;
  }

  /**
   * The problem the command turns back into its exception (as for a boot handed over, {@code
   * ControllerBoot}); {@code at} says what failed: {@code created} before the pod was there (the
   * command prints no "Created" line then), {@code started} once it was.
   */
  private static Map<String, Object> failed(Map<String, Object> answer, String at, RuntimeException e) {
    answer.put("outcome", "failed");
    answer.put("failedAt", at);
    Map<String, Object> problem = new LinkedHashMap<>();
    problem.put("detail", e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
    problem.put("exception", e.getClass().getName());
    if (e instanceof InvalidStateException invalid) {
      problem.put("state", invalid.actual().name());
    }
    answer.put("problem", problem);
    return answer;
  }
}
