package dev.peapod.controller.api;

import dev.peapod.apply.PodRecords;
import dev.peapod.apply.SecretInputs;
import dev.peapod.controller.loop.PeapodController;
import dev.peapod.engine.Engine;
import dev.peapod.engine.PodView;
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
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * {@code peapod run -f FILE} done for the CLI, whole: the command sends the file as it read it
 * and prints what this answers, so a run costs the command little more than its JVM's start (the
 * parse, the image store, the pod's records and the boot all happen here, in a warm JVM that keeps
 * the warm VMs). Not an API for other clients: its answer is the CLI's output in pieces.
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
 * progress on a terminal), a host path the allow-list refuses, a pod that exists with a different
 * spec, a pod lock another process holds, {@code PEAPOD_HOSTPATHS} set for the command (the
 * controller's allow-list is the home's file alone), a command whose Localhost seccomp profiles
 * directory is not the controller's ({@code PEAPOD_SECCOMP_DIR} set for one of them). A failure
 * once the pod is being created comes back as the problem the command turns into its own
 * exception, exit code and message.
 *
 * <p>Answer: {@code {"declined": REASON}}, or {@code {"warnings": [...], "pod": NAME, "existed":
 * bool, "outcome": "created"|"started"|"alreadyRunning"|"notStarted"|"failed", "data": {...}
 * (what -o json prints, no owner), "problem": {...} (failed)}}.
 */
@Path("/v1/cli/run")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class CliRunResource {

  private static final Logger LOG = Logger.getLogger(CliRunResource.class);

  @Inject
  PeapodController controller;

  /**
   * What the command sends: the file's name as typed, its text, its command line, whether
   * PEAPOD_HOSTPATHS is set, and the directory it reads Localhost seccomp profiles from (its
   * PEAPOD_SECCOMP_DIR or its home's; none from a command older than this field).
   */
  public record Request(String file, String content, String command, boolean hostPathsFromEnvironment,
      String seccompDir) {}

  @POST
  public Map<String, Object> run(Request request) {
    if (request == null || request.file() == null || request.content() == null || request.command() == null) {
      throw new Problem(400, "Bad Request", "a run needs file, content and command");
    }
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
    HostPathAllowList hostPaths = HostPathAllowList.load(controller.home(), Map.of());
    java.nio.file.Path seccompDir = ManifestToPodSpec.seccompProfilesDirectory(hostPaths);
    if (request.seccompDir() == null || !seccompDir.toString().equals(request.seccompDir())) {
      // The profiles are the command's (its PEAPOD_SECCOMP_DIR): read here, they could be other
      // files, or none. Given back even when the pod names no profile, so a run's outcome never
      // depends on which of the two directories was read.
      return declined("the command reads seccomp profiles from " + request.seccompDir() + ", the controller from "
          + seccompDir);
    }
    if (!ManifestToPodSpec.unsupported(manifest, hostPaths).isEmpty()) {
      return declined("the pod asks for what the provider cannot run");
    }
    String pod = manifest.name();
    PodLock lock;
    try {
      lock = PodLock.acquire(controller.home(), pod, request.command());
    } catch (PodLockedException e) {
      return declined("the pod is locked");
    }
    try (lock; Engine engine = controller.openEngine(request.command())) {
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
      try {
        PodRecords records = engine.records();
        String owner = records.owner(pod).orElse(Owners.CLI);
        if (existing.isEmpty()) {
          records.begin(pod, Action.CREATE, owner, manifest.origin().file());
          status = engine.provider().create(spec);
        } else {
          status = existing.get(); // what a rerun after an interrupted create finds: carry on from there
        }
        records.done(DesiredPod.of(manifest), owner);
      } catch (RuntimeException e) {
        return failed(answer, "created", e);
      }
      if (manifest.spec().state() == DesiredState.CREATED) {
        return done(answer, "notStarted", status);
      }
      try {
        return done(answer, "started", engine.provider().start(pod));
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

  private static Map<String, Object> declined(String reason) {
    LOG.debugf("a peapod run handed over was given back: %s", reason);
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("declined", reason);
    return answer;
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
