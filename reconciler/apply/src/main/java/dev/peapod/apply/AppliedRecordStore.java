package dev.peapod.apply;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peapod.files.AtomicFiles;
import dev.peapod.plan.Action;
import dev.peapod.plan.AppliedRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What Peapod applied to each pod, one JSON file per pod under {@code $PEAPOD_HOME/applied/}.
 * Every write goes to a temp file that is fsynced and renamed over the old one, then the
 * directory is fsynced ({@link AtomicFiles}), so a reader, a process killed mid-write or a
 * power cut finds the old record or the new one, never half of one or none.
 *
 * <p>These records are Peapod's, not the provider's: the provider records the resolved {@code
 * PodSpec} it runs; this records the manifest it came from, in canonical form, which is what the
 * planner compares desired manifests with.
 */
public final class AppliedRecordStore {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;

  public AppliedRecordStore(Path dir) {
    this.dir = dir;
  }

  /** The store under a Peapod home directory. */
  public static AppliedRecordStore in(Path peapodHome) {
    return new AppliedRecordStore(peapodHome.resolve("applied"));
  }

  /** Every record, by pod name; a record that cannot be read is an error naming its file. */
  public Map<String, AppliedRecord> readAll() {
    Map<String, AppliedRecord> out = new TreeMap<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> listing = Files.newDirectoryStream(dir, "*.json")) {
      listing.forEach(files::add);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list applied records in " + dir, e);
    }
    // One small file per pod: read in parallel, which halves a thousand-pod plan on two cores.
    files.parallelStream().map(AppliedRecordStore::read).toList()
        .forEach(record -> record.ifPresent(r -> out.put(r.name(), r)));
    return out;
  }

  public Optional<AppliedRecord> read(String pod) {
    return read(fileOf(pod));
  }

  public void write(AppliedRecord record) {
    ObjectNode root = JSON.createObjectNode();
    root.put("name", record.name());
    root.put("managedBy", record.managedBy());
    root.put("source", record.source());
    root.put("appliedAt", record.appliedAt() == null ? null : record.appliedAt().toString());
    root.set("spec", record.spec() == null ? null : JSON.valueToTree(record.spec()));
    root.put("hash", record.hash());
    if (record.pending().isPresent()) {
      root.putObject("pending")
          .put("action", record.pending().get().action().verb())
          .put("since", record.pending().get().since().toString());
    }
    Path file = fileOf(record.name());
    try {
      Files.createDirectories(dir);
      AtomicFiles.write(file, JSON.writeValueAsBytes(root));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  public void delete(String pod) {
    try {
      if (Files.deleteIfExists(fileOf(pod))) {
        AtomicFiles.syncDirectory(dir); // a removed record must not come back after a crash
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + fileOf(pod), e);
    }
  }

  private Path fileOf(String pod) {
    if (pod.isEmpty() || pod.contains("/") || pod.startsWith(".")) {
      throw new IllegalArgumentException("not a pod name: \"" + pod + "\"");
    }
    return dir.resolve(pod + ".json");
  }

  @SuppressWarnings("unchecked")
  private static Optional<AppliedRecord> read(Path file) {
    JsonNode root;
    try {
      root = JSON.readTree(Files.readAllBytes(file));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read applied record " + file + ": " + e.getMessage(), e);
    }
    Optional<AppliedRecord.Pending> pending = Optional.empty();
    if (root.path("pending").isObject()) {
      pending = Optional.of(new AppliedRecord.Pending(
          actionOf(root.path("pending").path("action").asText()),
          Instant.parse(root.path("pending").path("since").asText())));
    }
    return Optional.of(new AppliedRecord(
        root.path("name").asText(),
        root.path("managedBy").asText(AppliedRecord.MANAGED_BY_APPLY),
        root.path("source").asText(""),
        root.path("appliedAt").isTextual() ? Instant.parse(root.path("appliedAt").asText()) : null,
        root.path("spec").isObject() ? JSON.convertValue(root.path("spec"), Map.class) : null,
        root.path("hash").asText(""),
        pending));
  }

  private static Action actionOf(String verb) {
    for (Action action : Action.values()) {
      if (action.verb().equals(verb)) {
        return action;
      }
    }
    throw new IllegalArgumentException("unknown action in applied record: " + verb);
  }
}
