package dev.peapod.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlanJsonTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  static JsonSchema schema() throws Exception {
    try (InputStream in = PlanJson.class.getResourceAsStream("peapod-plan.schema.json")) {
      return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
    }
  }

  @Test
  void planJsonFollowsThePublishedSchema() throws Exception {
    JsonNode json = MAPPER.readTree(PlanJson.write(PlanRendererTest.everyAction()));
    Set<ValidationMessage> problems = schema().validate(json);
    assertTrue(problems.isEmpty(), problems::toString);
    assertEquals(6, json.path("changes").size());
    JsonNode api = json.path("changes").get(0);
    assertEquals("api", api.path("pod").asText());
    assertEquals("replace", api.path("action").asText());
    assertEquals("~", api.path("symbol").asText());
    assertEquals("Running", api.path("targetState").asText());
    assertEquals("ReplaceBecauseContainersChanged", api.path("reasons").get(0).path("kind").asText());
    assertEquals("spec.containers[app].image", api.path("diff").get(0).path("path").asText());
    assertEquals("api:1", api.path("diff").get(0).path("before").asText());
    assertEquals("containers", api.path("diff").get(0).path("impact").asText());
    assertEquals(1, json.path("summary").path("remove").asInt());
    assertTrue(json.path("changes").get(5).path("targetState").isNull(), "remove has no target state");
  }

  @Test
  void schemaRejectsWhatThePlanNeverWrites() throws Exception {
    JsonNode json = MAPPER.readTree(PlanJson.write(PlanRendererTest.everyAction()));
    ((com.fasterxml.jackson.databind.node.ObjectNode) json.path("changes").get(0)).put("action", "destroy");
    assertEquals(1, schema().validate(json).size());
  }

  @Test
  void savedPlanRoundTripsWithItsSources(@TempDir Path dir) throws Exception {
    Path manifest = dir.resolve("web.yaml");
    Files.writeString(manifest, """
        apiVersion: peapod.dev/v1alpha1
        kind: PeaPod
        metadata: {name: web}
        spec:
          containers: [{name: web, image: web:1}]
        """);
    var parsed = dev.peapod.manifest.ManifestParser.parse(manifest);
    Plan plan = PlanRendererTest.PLANNER.plan(java.util.List.of(DesiredPod.of(parsed.manifests().get(0))),
        ActualState.empty(), PlanOptions.DEFAULT);
    Path file = dir.resolve("plan.json");
    PlanFile.write(plan, file);
    Files.writeString(manifest, "edited after planning: the saved plan keeps what was shown\n");

    Plan read = PlanFile.read(file);
    assertEquals(new PlanRenderer(false).render(plan), new PlanRenderer(false).render(read));
    assertEquals(plan.stateRevision(), read.stateRevision());
    assertEquals(plan.changes().get(0).desired().get().manifest(), read.changes().get(0).desired().get().manifest());
    Set<ValidationMessage> problems = schema().validate(MAPPER.readTree(file.toFile()));
    assertTrue(problems.isEmpty(), problems::toString);
  }

  /** The hashes of a pod's host files travel with the saved plan (its texts alone do not give them). */
  @Test
  void savedPlanKeepsTheHashesOfHostFiles(@TempDir Path dir) throws Exception {
    Path manifest = dir.resolve("web.yaml");
    Files.writeString(manifest, """
        apiVersion: peapod.dev/v1alpha1
        kind: PeaPod
        metadata: {name: web}
        spec:
          containers: [{name: web, image: web:1, volumeMounts: [{name: f, mountPath: /f}]}]
          volumes:
            - name: f
              files: {files: [{path: notes, uri: "file://notes.txt"}]}
        """);
    var pod = dev.peapod.manifest.model.HostFiles.withHashes(
        dev.peapod.manifest.ManifestParser.parse(manifest).manifests().get(0), java.util.Map.of("file://notes.txt", "sha256:1"));
    Plan plan = PlanRendererTest.PLANNER.plan(java.util.List.of(DesiredPod.of(pod)), ActualState.empty(),
        PlanOptions.DEFAULT);
    Path file = dir.resolve("plan.json");
    PlanFile.write(plan, file);
    Set<ValidationMessage> problems = schema().validate(MAPPER.readTree(file.toFile()));
    assertTrue(problems.isEmpty(), problems::toString);
    assertEquals(pod, PlanFile.read(file).changes().get(0).desired().get().manifest());
  }

  @Test
  void planJsonIsNotASavedPlan(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("plan.json");
    Files.writeString(file, PlanJson.write(PlanRendererTest.everyAction()));
    var e = assertThrows(PlanFile.InvalidPlanFileException.class, () -> PlanFile.read(file));
    assertEquals(file + ": not a usable plan file: it has no sources; was it written by plan --json instead of -out?",
        e.getMessage());
    Files.writeString(file, "{\"formatVersion\": \"9\"}");
    e = assertThrows(PlanFile.InvalidPlanFileException.class, () -> PlanFile.read(file));
    assertEquals(file + ": not a usable plan file: formatVersion is \"9\", this peapod reads \"1\"", e.getMessage());
  }
}
