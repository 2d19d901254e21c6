package dev.peapod.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;

/** JSON round trips, to give benchmarks data in the shape it has after reading a file. */
final class Json {
  private Json() {}

  private static final ObjectMapper MAPPER = new ObjectMapper();

  @SuppressWarnings("unchecked")
  static Map<String, Object> roundTrip(Map<String, Object> tree) {
    try {
      return MAPPER.readValue(MAPPER.writeValueAsBytes(tree), Map.class);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
