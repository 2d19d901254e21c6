package dev.peapod.images.oci;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.peapod.images.ImageFormatException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The one ObjectMapper of this module and tolerant readers for OCI JSON documents. */
public final class OciJson {
  /** Shared, thread-safe once configured. */
  public static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private OciJson() {}

  /** Parses a JSON object; {@code what} and {@code image} name it in the error. */
  public static JsonNode readObject(byte[] json, String what, String image) {
    try {
      JsonNode node = MAPPER.readTree(json);
      if (node == null || !node.isObject()) {
        throw new ImageFormatException(image, what + " is not a JSON object");
      }
      return node;
    } catch (IOException e) {
      throw new ImageFormatException(image, what + " is not valid JSON: " + getOriginalMessage(e), e);
    }
  }

  public static byte[] write(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
    }
  }

  /** A string field, or null when absent or JSON null. */
  public static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? null : value.asText();
  }

  /** A list of strings, or null when absent or JSON null (null and [] differ for Cmd/Entrypoint). */
  public static List<String> strings(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    List<String> list = new ArrayList<>();
    value.forEach(element -> list.add(element.asText()));
    return List.copyOf(list);
  }

  /** A string-to-string map in document order; empty when absent. */
  public static Map<String, String> stringMap(JsonNode node, String field) {
    JsonNode value = node.get(field);
    Map<String, String> map = new LinkedHashMap<>();
    if (value != null && value.isObject()) {
      for (Map.Entry<String, JsonNode> entry : value.properties()) {
        map.put(entry.getKey(), entry.getValue().asText());
      }
    }
    return map;
  }

  private static String getOriginalMessage(IOException e) {
    return e instanceof JsonProcessingException json ? json.getOriginalMessage() : e.getMessage();
  }
}
