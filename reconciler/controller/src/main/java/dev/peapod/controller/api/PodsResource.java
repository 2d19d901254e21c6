package dev.peapod.controller.api;

import dev.peapod.apply.PodRecords;
import dev.peapod.apply.SecretInputs;
import dev.peapod.controller.loop.PeapodController;
import dev.peapod.engine.BesideStart;
import dev.peapod.engine.Engine;
import dev.peapod.engine.PodView;
import dev.peapod.engine.config.ConfigReferences;
import dev.peapod.engine.spec.ManifestToPodSpec;
import dev.peapod.engine.spec.StoreImageSource;
import dev.peapod.engine.ManifestRejectedException;
import dev.peapod.manifest.ManifestParser;
import dev.peapod.manifest.ParseResult;
import dev.peapod.manifest.model.DesiredState;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.plan.Action;
import dev.peapod.plan.AppliedRecord;
import dev.peapod.plan.DesiredPod;
import dev.peapod.plan.Owners;
import dev.peapod.plan.PlanJson;
import dev.peapod.provider.InvalidStateException;
import dev.peapod.provider.LogQuery;
import dev.peapod.provider.LogRecord;
import dev.peapod.provider.PodNotFoundException;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.PodState;
import dev.peapod.provider.PodStatus;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;

/**
 * The pods of this Peapod home, whoever owns them: the same data {@code peapod ps -o json} prints,
 * plus owner, the change the controller plans for a pod and its last events. Changing a pod here
 * is changing it by hand (as the CLI would): a pod a source owns is put back to the source's spec
 * unless the source is suspended.
 */
@Path("/v1/pods")
@Produces(MediaType.APPLICATION_JSON)
public class PodsResource {

  private static final String COMMAND = "peapod serve (API)";

  @Inject
  PeapodController controller;

  /**
   * Every pod with its containers, as {@code peapod ps -o json} shows them: each running guest is
   * asked (one status round trip each, as ps does). Not the inventory: it has no container
   * statuses, so every running pod came out not ready with no containers.
   */
  @GET
  public List<Map<String, Object>> list() {
    try (Engine engine = controller.openEngine(COMMAND)) {
      PodRecords records = engine.records();
      Map<String, AppliedRecord> all = records.store().readAll();
      return engine.provider().list().stream()
          .map(p -> PodView.data(p, Optional.ofNullable(all.get(p.name())).map(AppliedRecord::managedBy).orElse(null)))
          .toList();
    }
  }

  /** One pod with its containers (asked from its guest), owner, pending change and last events. */
  @GET
  @Path("{name}")
  public Map<String, Object> get(@PathParam("name") String name) {
    try (Engine engine = controller.openEngine(COMMAND)) {
      PodStatus status = engine.provider().inspect(name).orElseThrow(() -> new PodNotFoundException(name));
      Map<String, Object> data = PodView.data(status, engine.records().owner(name).orElse(null));
      data.put("pendingChange", controller.pendingChange(name).map(c -> {
        var json = PlanJson.toJson(new dev.peapod.plan.Plan(List.of(c), 0, "-", java.time.Instant.EPOCH,
            Optional.empty(), List.of()));
        return json.get("changes").get(0);
      }).orElse(null));
      data.put("events", controller.events().recent("pod", name, 20));
      return data;
    }
  }

  /**
   * Creates and starts the pods of a manifest (YAML or JSON, several documents allowed), as
   * {@code peapod run -f} does; they are owned by {@code cli}, as pods made by hand are. ConfigMaps
   * and Secrets among the documents are what the pods' references resolve to, in each pod's
   * namespace, as in a file given to {@code run -f}: a Secret's values go to the VM with the start
   * and nowhere else (the records keep hashes, the response references). They are not kept, so a
   * later {@code peapod start} of such a pod has no source to read them from again.
   *
   * <p>A field no Peapod version knows is handled as Kubernetes' API server handles it, by {@code
   * fieldValidation}: {@code Warn} (the default) leaves it out and says so in a {@code Warning: 299} header
   * per field (what {@code kubectl} prints); {@code Ignore} leaves it out silently; {@code Strict} refuses the
   * request (422) naming the field. Other warnings of the manifest (fields Peapod ignores) come as Warning
   * headers too.
   */
  private static final System.Logger LOG = System.getLogger(PodsResource.class.getName());
  private static final java.util.concurrent.ExecutorService ENGINE_CLOSES =
      java.util.concurrent.Executors.newCachedThreadPool(task -> {
        Thread t = new Thread(task, "peapod-engine-close");
        t.setDaemon(true);
        return t;
      });

  @POST
  @Consumes({"application/yaml", "text/yaml", MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN})
  public Response run(String manifest, @QueryParam("fieldValidation") @DefaultValue("Warn") String fieldValidation) {
    long t0 = System.nanoTime();
    if (!List.of("Strict", "Warn", "Ignore").contains(fieldValidation)) {
      throw new IllegalArgumentException("fieldValidation is Strict, Warn or Ignore, not \"" + fieldValidation + "\"");
    }
    ParseResult parsed = fieldValidation.equals("Strict")
        ? ManifestParser.parse(ManifestToPodSpec.API_REQUEST_ORIGIN, manifest)
        : ManifestParser.parseDroppingUnknownFields(ManifestToPodSpec.API_REQUEST_ORIGIN, manifest);
    if (!parsed.isValid()) {
      throw new ManifestRejectedException(parsed.diagnostics().all());
    }
    List<String> warnings = parsed.diagnostics().warnings().stream()
        .filter(w -> !(fieldValidation.equals("Ignore") && w.message().startsWith("unknown field")))
        .map(w -> w.toString()).toList();
    List<Map<String, Object>> started = new ArrayList<>();
    List<PodManifest> pods = ConfigReferences.attachAll(parsed);
    long tParsed = System.nanoTime();
    Engine engine = controller.openEngine(COMMAND);
    try {
      long tOpened = System.nanoTime();
      for (PodManifest pod : pods) {
        LOG.log(System.Logger.Level.DEBUG, () -> "pod " + pod.name() + ": POST parsed in " + (tParsed - t0) / 1_000_000
            + " ms, engine opened in " + (tOpened - tParsed) / 1_000_000 + " ms");
        started.add(PodView.data(createAndStart(engine, pod), Owners.CLI));
      }
    } finally {
      // Closing drops the started VMs' guest connections and waits for each one's reader thread (1-12 ms at
      // load 7): beside the answer, not before it. Nothing of the pods' state is in it: their files are written.
      ENGINE_CLOSES.execute(engine::close);
    }
    Response.ResponseBuilder response = Response.status(201).entity(started.size() == 1 ? started.get(0) : started);
    warnings.forEach(w -> response.header("Warning", warningHeader(w)));
    return response.build();
  }

  /** {@code 299 - "TEXT"} (RFC 7234's warn-code for any lasting warning, as Kubernetes sends), TEXT in printable ASCII. */
  static String warningHeader(String text) {
    StringBuilder quoted = new StringBuilder("299 - \"");
    text.codePoints().forEach(c -> {
      if (c == '"' || c == '\\') {
        quoted.append('\\').append((char) c);
      } else {
        quoted.append(c >= 0x20 && c < 0x7f ? (char) c : '?');
      }
    });
    return quoted.append('"').toString();
  }

  private PodStatus createAndStart(Engine engine, PodManifest manifest) {
    var unsupported = ManifestToPodSpec.unsupported(manifest);
    if (!unsupported.isEmpty()) {
      throw new ManifestRejectedException(unsupported);
    }
    long t0 = System.nanoTime();
    try (AutoCloseable lock = Engine.fileLocks(engine.home(), COMMAND).lock(manifest.name())) {
      long tLocked = System.nanoTime();
      if (engine.provider().inspect(manifest.name()).isPresent()) {
        throw new InvalidStateException(manifest.name(), PodState.CREATED, "already exists");
      }
      long tInspected = System.nanoTime();
      PodSpec spec = new ManifestToPodSpec(StoreImageSource.quiet(engine.images())).convert(manifest).spec();
      long tConverted = System.nanoTime();
      PodRecords records = engine.records();
      records.begin(manifest.name(), Action.CREATE, Owners.CLI, manifest.origin().file());
      long tBegun = System.nanoTime();
      PodStatus status = engine.provider().create(spec);
      long tCreated = System.nanoTime();
      LOG.log(System.Logger.Level.DEBUG, () -> "pod " + manifest.name() + ": locked in " + (tLocked - t0) / 1_000_000
          + " ms, inspected " + (tInspected - tLocked) / 1_000_000 + ", converted " + (tConverted - tInspected)
          / 1_000_000 + ", record begun " + (tBegun - tConverted) / 1_000_000 + ", created " + (tCreated - tBegun)
          / 1_000_000 + " ms");
      if (manifest.spec().state() == DesiredState.RUNNING) {
        // the applied record is written while the VM starts (see BesideStart)
        status = BesideStart.run(() -> records.done(DesiredPod.of(manifest), Owners.CLI),
            () -> engine.provider().start(manifest.name(), SecretInputs.of(manifest)));
      } else {
        records.done(DesiredPod.of(manifest), Owners.CLI);
      }
      controller.events().normal("Created", "pod", manifest.name(), "created through the API");
      LOG.log(System.Logger.Level.DEBUG, () -> "pod " + manifest.name() + ": POST answered");
      return status;
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @POST
  @Path("{name}/start")
  public Map<String, Object> start(@PathParam("name") String name) {
    return change(name, engine -> engine.provider().start(name));
  }

  @POST
  @Path("{name}/stop")
  public Map<String, Object> stop(@PathParam("name") String name, @QueryParam("grace") Long graceSeconds) {
    return change(name, engine -> {
      PodStatus pod = engine.provider().inspect(name).orElseThrow(() -> new PodNotFoundException(name));
      Duration grace = graceSeconds == null ? pod.spec().terminationGracePeriod() : Duration.ofSeconds(graceSeconds);
      return engine.provider().stop(name, grace);
    });
  }

  @DELETE
  @Path("{name}")
  public Response remove(@PathParam("name") String name, @QueryParam("force") boolean force) {
    try (Engine engine = controller.openEngine(COMMAND);
        AutoCloseable lock = Engine.fileLocks(engine.home(), COMMAND).lock(name)) {
      PodStatus pod = engine.provider().inspect(name).orElseThrow(() -> new PodNotFoundException(name));
      if (pod.state() == PodState.RUNNING && !force) {
        throw new InvalidStateException(name, pod.state(), "is running: stop it first, or DELETE with ?force=true");
      }
      engine.provider().remove(name, pod.spec().terminationGracePeriod());
      engine.records().removed(name);
      return Response.noContent().build();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Container output as text, one line per record ({@code NAME| } prefixed without {@code container}); chunked. */
  @GET
  @Path("{name}/logs")
  @Produces(MediaType.TEXT_PLAIN)
  public StreamingOutput logs(@PathParam("name") String name, @QueryParam("container") String container,
      @QueryParam("follow") @DefaultValue("false") boolean follow, @QueryParam("tailLines") Integer tailLines) {
    LogQuery query = new LogQuery(Optional.ofNullable(container), follow,
        tailLines == null ? OptionalInt.empty() : OptionalInt.of(tailLines));
    Engine engine = controller.openEngine(COMMAND);
    Stream<LogRecord> records;
    try {
      records = engine.provider().logs(name, query);
    } catch (RuntimeException e) {
      engine.close();
      throw e;
    }
    return out -> {
      try (engine; records) {
        var it = records.iterator();
        while (it.hasNext()) {
          LogRecord record = it.next();
          String prefix = container == null ? record.container() + "| " : "";
          out.write((prefix + record.text()).getBytes(StandardCharsets.UTF_8));
          out.flush();
        }
      }
    };
  }

  private interface PodChange {
    PodStatus apply(Engine engine);
  }

  private Map<String, Object> change(String name, PodChange change) {
    try (Engine engine = controller.openEngine(COMMAND);
        AutoCloseable lock = Engine.fileLocks(engine.home(), COMMAND).lock(name)) {
      PodStatus status = change.apply(engine);
      return PodView.data(status, engine.records().owner(name).orElse(null));
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

}
