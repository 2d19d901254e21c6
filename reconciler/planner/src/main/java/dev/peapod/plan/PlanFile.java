package dev.peapod.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peapod.files.AtomicFiles;
import dev.peapod.manifest.ManifestParser;
import dev.peapod.manifest.ParseResult;
import dev.peapod.manifest.model.ConfigObject;
import dev.peapod.manifest.model.HostFiles;
import dev.peapod.manifest.model.ConfigReference;
import dev.peapod.manifest.model.DesiredState;
import dev.peapod.manifest.model.PodManifest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A saved plan ({@code peapod plan -out FILE}): the plan's JSON plus the text of every manifest
 * file a change comes from, so that {@code peapod apply FILE} does exactly what was shown even if
 * the files were edited since. Like Terraform's plan files, it may contain secrets from the
 * manifests (env values): keep it where the manifests are kept. The ConfigMaps a pod uses are
 * saved with it; a plan that would have to save a Secret is not written at all.
 */
public final class PlanFile {
  private PlanFile() {}

  /** Thrown when a file is not a readable plan of this format. */
  public static final class InvalidPlanFileException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    InvalidPlanFileException(Path file, String message) {
      super(file + ": not a usable plan file: " + message);
    }
  }

  /** Writes the plan atomically and durably ({@link AtomicFiles}), with the sources its changes need. */
  public static void write(Plan plan, Path file) throws IOException {
    ObjectNode root = PlanJson.toJson(plan);
    ObjectNode sources = root.putObject("sources");
    // The hashes of the host files a pod names, as planned: the saved texts alone do not give them.
    ObjectNode hostFiles = PlanJson.MAPPER.createObjectNode();
    Map<String, String> texts = new TreeMap<>();
    for (Change change : plan.changes()) {
      if (change.desired().isPresent() && !texts.containsKey(change.source())) {
        texts.put(change.source(), Files.readString(Path.of(change.source()), StandardCharsets.UTF_8));
      }
      Map<String, String> hashes = change.desired().map(d -> HostFiles.hashes(d.manifest())).orElse(Map.of());
      if (!hashes.isEmpty()) {
        hashes.forEach(hostFiles.putObject(change.pod())::put);
      }
      // The ConfigMaps a pod uses travel with it, so the saved plan applies what it showed.
      for (ConfigObject input : change.desired().map(d -> d.manifest().inputs()).orElse(List.of())) {
        if (input.sensitive()) {
          throw new IOException("pod \"" + change.pod() + "\" uses " + input.describe() + ": a saved plan keeps"
              + " the text of the manifests it needs, and a Secret is never written to disk; apply without -out");
        }
        if (!texts.containsKey(input.file())) {
          texts.put(input.file(), Files.readString(Path.of(input.file()), StandardCharsets.UTF_8));
        }
      }
    }
    for (Map.Entry<String, String> text : texts.entrySet()) {
      ParseResult parsed = ManifestParser.parse(text.getKey(), text.getValue());
      Optional<ConfigObject> secret = parsed.configObjects().stream().filter(ConfigObject::sensitive).findFirst();
      if (secret.isPresent()) {
        throw new IOException(text.getKey() + " holds " + secret.get().describe() + ": a saved plan keeps the text of"
            + " the manifests it needs, and a Secret is never written to disk; keep Secrets in files of their own");
      }
    }
    texts.forEach(sources::put);
    if (!hostFiles.isEmpty()) {
      root.set("hostFiles", hostFiles);
    }
    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    AtomicFiles.write(file, (PlanJson.MAPPER.writeValueAsString(root) + "\n").getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The plan saved in {@code file}, its changes' manifests parsed again from the saved sources.
   *
   * @throws InvalidPlanFileException if it is not a plan of this format, or a saved manifest no
   *     longer gives the pod the plan was made for
   */
  public static Plan read(Path file) throws IOException {
    JsonNode root;
    try {
      root = PlanJson.MAPPER.readTree(Files.readString(file, StandardCharsets.UTF_8));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new InvalidPlanFileException(file, "not JSON (" + e.getOriginalMessage() + ")");
    }
    if (!PlanJson.FORMAT_VERSION.equals(root.path("formatVersion").asText())) {
      throw new InvalidPlanFileException(file, "formatVersion is \"" + root.path("formatVersion").asText()
          + "\", this peapod reads \"" + PlanJson.FORMAT_VERSION + "\"");
    }
    if (!root.path("sources").isObject()) {
      throw new InvalidPlanFileException(file, "it has no sources; was it written by plan --json instead of -out?");
    }
    Map<String, PodManifest> manifests = manifests(file, root.path("sources"));
    JsonNode savedHostFiles = root.path("hostFiles");
    manifests.replaceAll((name, pod) -> {
      Map<String, String> hashes = new TreeMap<>();
      savedHostFiles.path(name).fields().forEachRemaining(e -> hashes.put(e.getKey(), e.getValue().asText()));
      return hashes.isEmpty() ? pod : HostFiles.withHashes(pod, hashes);
    });
    List<Change> changes = new ArrayList<>();
    for (JsonNode c : root.path("changes")) {
      changes.add(change(file, c, manifests));
    }
    List<String> warnings = new ArrayList<>();
    root.path("warnings").forEach(w -> warnings.add(w.asText()));
    List<Conflict> conflicts = new ArrayList<>();
    root.path("conflicts").forEach(c -> conflicts.add(new Conflict(c.path("pod").asText(), c.path("owner").asText(),
        c.path("source").asText())));
    return new Plan(changes, root.path("unchanged").asInt(), root.path("stateRevision").asText(),
        Instant.parse(root.path("createdAt").asText()),
        root.path("refusal").isTextual() ? Optional.of(root.path("refusal").asText()) : Optional.empty(),
        warnings, root.path("owner").asText(Owners.LEGACY_APPLY), conflicts);
  }

  private static Map<String, PodManifest> manifests(Path file, JsonNode sources) {
    Map<String, PodManifest> byName = new HashMap<>();
    Map<String, ConfigObject> configs = new HashMap<>();
    var fields = sources.fields();
    while (fields.hasNext()) {
      var source = fields.next();
      ParseResult parsed = ManifestParser.parse(source.getKey(), source.getValue().asText());
      if (!parsed.isValid()) {
        throw new InvalidPlanFileException(file, "saved manifest " + source.getKey() + " does not parse: "
            + parsed.diagnostics().all().get(0));
      }
      parsed.manifests().forEach(m -> byName.put(m.name(), m));
      parsed.configObjects().forEach(c -> configs.put(c.reference(), c));
    }
    // The pods' ConfigMaps as saved beside them, in each pod's namespace (default unless it names one).
    byName.replaceAll((name, pod) -> pod.withInputs(ConfigReference.of(pod).stream()
        .map(r -> configs.get(ConfigObject.reference(r.kind(), pod.metadata().effectiveNamespace(), r.name())))
        .filter(java.util.Objects::nonNull).distinct().toList()));
    return byName;
  }

  private static Change change(Path file, JsonNode c, Map<String, PodManifest> manifests) {
    String pod = c.path("pod").asText();
    Action action = actionOf(file, c.path("action").asText());
    Optional<DesiredPod> desired = Optional.empty();
    if (action != Action.REMOVE) {
      PodManifest manifest = manifests.get(pod);
      if (manifest == null) {
        throw new InvalidPlanFileException(file, "no saved manifest declares pod \"" + pod + "\"");
      }
      DesiredPod d = DesiredPod.of(manifest);
      if (!d.hash().equals(c.path("desiredHash").asText())) {
        throw new InvalidPlanFileException(file, "the saved manifest of pod \"" + pod + "\" does not match the plan");
      }
      desired = Optional.of(d);
    }
    List<Reason> reasons = new ArrayList<>();
    for (JsonNode r : c.path("reasons")) {
      reasons.add(new Reason(Reason.Kind.valueOf(r.path("kind").asText()), r.path("text").asText()));
    }
    List<FieldChange> diff = new ArrayList<>();
    for (JsonNode f : c.path("diff")) {
      diff.add(new FieldChange(f.path("path").asText(), plain(f.get("before")), plain(f.get("after")),
          FieldChange.Impact.valueOf(f.path("impact").asText().toUpperCase(java.util.Locale.ROOT))));
    }
    Optional<DesiredState> target = c.path("targetState").isTextual()
        ? Optional.of(c.path("targetState").asText().equals("Created") ? DesiredState.CREATED : DesiredState.RUNNING)
        : Optional.empty();
    return new Change(pod, action, reasons, diff, desired, target);
  }

  private static Action actionOf(Path file, String verb) {
    for (Action action : Action.values()) {
      if (action.verb().equals(verb)) {
        return action;
      }
    }
    throw new InvalidPlanFileException(file, "unknown action \"" + verb + "\"");
  }

  private static Object plain(JsonNode node) {
    return node == null || node.isNull() ? null : PlanJson.MAPPER.convertValue(node, Object.class);
  }
}
