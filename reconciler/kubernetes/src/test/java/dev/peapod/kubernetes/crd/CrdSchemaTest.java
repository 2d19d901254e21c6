package dev.peapod.kubernetes.crd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.peapod.manifest.decode.FieldRule;
import dev.peapod.manifest.decode.Shape;
import dev.peapod.manifest.decode.Shapes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The CRD's schema against the manifest parser and the examples: it lists exactly the fields the
 * parser accepts (so {@code kubectl explain} tells the truth and nothing the parser reads is pruned
 * by the API server), keeps fields it does not list (so the parser, not the API server, says why a
 * field is unsupported), and every PeaPod in {@code examples/} is valid under it.
 */
class CrdSchemaTest {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private static JsonNode crdSchema() throws IOException {
    JsonNode crd = YAML.readTree(GeneratedCrd.generate());
    return crd.at("/spec/versions/0/schema/openAPIV3Schema");
  }

  @Test
  void specListsExactlyTheFieldsTheParserAccepts() throws Exception {
    List<String> mismatches = new ArrayList<>();
    Shape peaPod = Shapes.peaPod();
    Shape spec = ((FieldRule.Supported) peaPod.fields().get("spec")).child();
    walk(spec, crdSchema().at("/properties/spec"), mismatches);
    assertEquals(List.of(), mismatches);
  }

  private static void walk(Shape shape, JsonNode object, List<String> mismatches) {
    Set<String> accepted = new TreeSet<>();
    shape.fields().forEach((name, rule) -> {
      if (rule.isAccepted()) {
        accepted.add(name);
      }
    });
    Set<String> listed = new TreeSet<>();
    object.path("properties").fieldNames().forEachRemaining(listed::add);
    if (!accepted.equals(listed)) {
      mismatches.add(shape + ": parser accepts " + accepted + ", CRD lists " + listed);
    }
    if (!object.path("x-kubernetes-preserve-unknown-fields").asBoolean()) {
      mismatches.add(shape + ": unknown fields would be pruned by the API server before the parser sees them");
    }
    for (Map.Entry<String, FieldRule> field : shape.fields().entrySet()) {
      if (field.getValue() instanceof FieldRule.Supported supported && supported.child() != null) {
        JsonNode property = object.path("properties").path(field.getKey());
        JsonNode child = property.has("items") ? property.get("items") : property;
        walk(supported.child(), child, mismatches);
      }
      String description = object.path("properties").path(field.getKey()).path("description").asText("");
      if (field.getValue().isAccepted() && description.isBlank()) {
        mismatches.add(shape + "." + field.getKey() + " has no description for kubectl explain");
      }
    }
  }

  @Test
  void everyExampleIsValidUnderTheCrdSchema() throws Exception {
    JsonSchema schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(crdSchema());
    List<Path> files;
    try (Stream<Path> all = Files.walk(GeneratedCrd.REPO.resolve("examples"))) {
      files = all.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList();
    }
    assertTrue(files.size() >= 3, "examples found: " + files);
    List<String> problems = new ArrayList<>();
    int documents = 0;
    for (Path file : files) {
      for (JsonNode document : YAML.readValues(YAML.createParser(file.toFile()), JsonNode.class).readAll()) {
        documents++;
        for (ValidationMessage message : schema.validate(document)) {
          problems.add(file + ": " + message.getMessage());
        }
      }
    }
    assertEquals(List.of(), problems);
    assertTrue(documents >= files.size());
  }

  @Test
  void aWrongTypeIsRejectedByTheSchema() throws Exception {
    JsonSchema schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(crdSchema());
    JsonNode bad = YAML.readTree("""
        apiVersion: peapod.dev/v1alpha1
        kind: PeaPod
        metadata: {name: web}
        spec:
          vm: {vcpus: "two"}
          containers:
            - {name: web, image: busybox, ports: [{containerPort: 99999}]}
        """);
    List<String> messages = schema.validate(bad).stream().map(ValidationMessage::getMessage).sorted().toList();
    assertEquals(2, messages.size(), messages.toString());
    assertTrue(messages.get(0).contains("containerPort"), messages.toString());
    assertTrue(messages.get(1).contains("vcpus"), messages.toString());
  }
}
