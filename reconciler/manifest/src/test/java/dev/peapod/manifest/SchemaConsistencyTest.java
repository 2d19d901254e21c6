package dev.peapod.manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peapod.manifest.decode.FieldRule;
import dev.peapod.manifest.decode.Shape;
import dev.peapod.manifest.decode.Shapes;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Walks the parser's shapes and the editor schema side by side from the PeaPod root: every
 * object must list exactly the fields the parser accepts (supported, tolerated or ignored), and
 * nested objects must point at the definition of the same name.
 */
class SchemaConsistencyTest {

  @Test
  void schemaListsExactlyTheFieldsTheParserAccepts() throws Exception {
    JsonNode schema;
    try (InputStream in = getClass().getResourceAsStream("/peapod.schema.json")) {
      assertNotNull(in, "peapod.schema.json on the class path");
      schema = new ObjectMapper().readTree(in);
    }
    List<String> mismatches = new ArrayList<>();
    Set<String> visited = new HashSet<>();
    walk(Shapes.peaPod(), schema, schema, visited, mismatches);
    assertEquals(List.of(), mismatches);
    Set<String> definitions = new TreeSet<>();
    schema.get("definitions").fieldNames().forEachRemaining(definitions::add);
    definitions.remove("Quantity"); // a value type, not an object shape
    assertEquals(definitions, new TreeSet<>(visited), "definitions without a shape");
  }

  private static void walk(Shape shape, JsonNode object, JsonNode root, Set<String> visited,
      List<String> mismatches) {
    Set<String> accepted = new TreeSet<>();
    shape.fields().forEach((name, rule) -> {
      if (rule.isAccepted()) {
        accepted.add(name);
      }
    });
    Set<String> listed = new TreeSet<>();
    object.get("properties").fieldNames().forEachRemaining(listed::add);
    if (!accepted.equals(listed)) {
      mismatches.add(shape + ": parser accepts " + accepted + ", schema lists " + listed);
    }
    for (Map.Entry<String, FieldRule> field : shape.fields().entrySet()) {
      if (field.getValue() instanceof FieldRule.Supported supported && supported.child() != null) {
        JsonNode property = object.get("properties").get(field.getKey());
        String ref = refOf(property);
        if (ref == null || !ref.equals("#/definitions/" + supported.child().name())) {
          mismatches.add(shape + "." + field.getKey() + " should refer to "
              + supported.child().name() + ", refers to " + ref);
          continue;
        }
        if (visited.add(supported.child().name())) {
          walk(supported.child(), root.get("definitions").get(supported.child().name()), root,
              visited, mismatches);
        }
      }
    }
    if (!object.path("additionalProperties").isBoolean()
        || object.get("additionalProperties").asBoolean()) {
      mismatches.add(shape + ": schema must say additionalProperties: false");
    }
  }

  private static String refOf(JsonNode property) {
    if (property == null) {
      return null;
    }
    if (property.has("$ref")) {
      return property.get("$ref").asText();
    }
    JsonNode items = property.path("items");
    return items.has("$ref") ? items.get("$ref").asText() : null;
  }

}
