package dev.peapod.manifest.decode;

import dev.peapod.manifest.model.Quantity;
import dev.peapod.manifest.source.Position;
import dev.peapod.manifest.source.SourceList;
import dev.peapod.manifest.source.SourceMap;
import dev.peapod.manifest.source.SourceNode;
import dev.peapod.manifest.source.SourceScalar;
import dev.peapod.manifest.source.SourceScalar.ScalarType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reads the fields of one object against its {@link Shape}: on opening it reports unknown,
 * unsupported and ignored fields; the typed getters report wrong types and ranges with the
 * field's path and position. A null value counts as absent, as in Kubernetes' JSON.
 *
 * <p>{@link #finish()} checks that the decoder read every supported field present, so a field
 * cannot be accepted and then silently dropped.
 */
final class MapReader {

  private final SourceMap map;
  private final Shape shape;
  private final FieldPath path;
  private final Problems problems;
  private final Set<String> read = new HashSet<>();

  private MapReader(SourceMap map, Shape shape, FieldPath path, Problems problems) {
    this.map = map;
    this.shape = shape;
    this.path = path;
    this.problems = problems;
    checkFieldNames();
  }

  /** A reader for {@code node}, or empty (with an error) when it is not an object. */
  static Optional<MapReader> open(SourceNode node, Shape shape, FieldPath path, Problems problems) {
    if (node instanceof SourceMap map) {
      return Optional.of(new MapReader(map, shape, path, problems));
    }
    problems.error(node, path, "expected an object, got " + node.describe());
    return Optional.empty();
  }

  Position position() {
    return map.position();
  }

  FieldPath path() {
    return path;
  }

  FieldPath path(String field) {
    return path.field(field);
  }

  Problems problems() {
    return problems;
  }

  boolean has(String field) {
    return peek(field).isPresent();
  }

  /** The value of {@code field} without marking it read; for dispatching on a document's kind. */
  Optional<SourceNode> peek(String field) {
    return map.get(field);
  }

  /** The text of a scalar field without marking it read, for messages and dispatch. */
  Optional<String> peekText(String field) {
    return peek(field).filter(SourceScalar.class::isInstance).map(n -> ((SourceScalar) n).text());
  }

  /** The items of a list field without marking it read; empty when absent or not a list. */
  List<SourceNode> peekList(String field) {
    return peek(field).filter(SourceList.class::isInstance)
        .map(n -> ((SourceList) n).items()).orElse(List.of());
  }

  /** Whether this object's shape accepts {@code field}; PeaPod and Pod specs differ so. */
  boolean shapeAccepts(String field) {
    return shape.rule(field) instanceof FieldRule.Supported;
  }

  /** The raw value of a supported field, marking it read. */
  Optional<SourceNode> node(String field) {
    if (!(shape.rule(field) instanceof FieldRule.Supported)) {
      throw new IllegalStateException(shape + " does not declare " + field + " as supported");
    }
    read.add(field);
    return map.get(field);
  }

  Optional<String> string(String field) {
    return node(field).flatMap(n -> asString(n, path(field)));
  }

  /** A required string: absent or empty is an error at the object, and gives "". */
  String requiredString(String field) {
    Optional<String> value = string(field);
    if (value.isEmpty() && !has(field)) {
      problems.error(map, path(field), "required field is missing");
    } else if (value.isPresent() && value.get().isEmpty()) {
      problems.error(peek(field).orElseThrow(), path(field), "must not be empty");
    }
    return value.orElse("");
  }

  Optional<Long> integer(String field, long min, long max) {
    return node(field).flatMap(n -> asInteger(n, path(field), min, max));
  }

  Optional<Boolean> bool(String field) {
    return node(field).flatMap(n -> {
      if (n instanceof SourceScalar s && s.type() == ScalarType.BOOLEAN) {
        return Optional.of(Set.of("true", "yes", "on", "y").contains(s.text().toLowerCase()));
      }
      problems.error(n, path(field), "expected true or false, got " + n.describe());
      return Optional.empty();
    });
  }

  Optional<Quantity> quantity(String field) {
    return node(field).flatMap(n -> asQuantity(n, path(field), problems));
  }

  /** One of {@code allowed}'s keys, spelled exactly (Kubernetes enums are case-sensitive). */
  <T> Optional<T> choice(String field, Map<String, T> allowed) {
    return string(field).flatMap(text -> {
      if (allowed.containsKey(text)) {
        return Optional.of(allowed.get(text));
      }
      problems.error(peek(field).orElseThrow(), path(field), "invalid value \"" + text
          + "\": must be one of " + String.join(", ", allowed.keySet()));
      return Optional.empty();
    });
  }

  /** A list of strings; absent gives an empty list. */
  List<String> strings(String field) {
    List<String> out = new ArrayList<>();
    List<SourceNode> items = list(field);
    for (int i = 0; i < items.size(); i++) {
      asString(items.get(i), path(field).index(i)).ifPresent(out::add);
    }
    return out;
  }

  /** The items of a list field; absent gives an empty list, a non-list an error. */
  List<SourceNode> list(String field) {
    Optional<SourceNode> value = node(field);
    if (value.isEmpty()) {
      return List.of();
    }
    if (value.get() instanceof SourceList list) {
      return list.items();
    }
    problems.error(value.get(), path(field), "expected a list, got " + value.get().describe());
    return List.of();
  }

  Optional<MapReader> object(String field, Shape child) {
    return node(field).flatMap(n -> open(n, child, path(field), problems));
  }

  /** Readers for a list of objects, each with its indexed path. */
  List<MapReader> objects(String field, Shape child) {
    List<MapReader> out = new ArrayList<>();
    List<SourceNode> items = list(field);
    for (int i = 0; i < items.size(); i++) {
      open(items.get(i), child, path(field).index(i), problems).ifPresent(out::add);
    }
    return out;
  }

  /** A map of string to string (labels, annotations); entries with bad values are left out. */
  Map<String, Located<String>> stringMap(String field) {
    Map<String, Located<String>> out = new LinkedHashMap<>();
    Optional<SourceNode> value = node(field);
    if (value.isEmpty()) {
      return out;
    }
    if (!(value.get() instanceof SourceMap entries)) {
      problems.error(value.get(), path(field), "expected an object, got " + value.get().describe());
      return out;
    }
    for (SourceMap.Entry entry : entries.entries()) {
      FieldPath entryPath = path(field).key(entry.key());
      asString(entry.value(), entryPath).ifPresent(
          v -> out.put(entry.key(), new Located<>(v, entry.keyPosition(), entryPath)));
    }
    return out;
  }

  /** The entry of {@code field}, for its key's position, without marking it read. */
  Optional<SourceMap.Entry> entry(String field) {
    return map.entry(field);
  }

  /** How many of {@code fields} are written (and not null), for "exactly one of" rules. */
  long peekFieldCount(String... fields) {
    return java.util.Arrays.stream(fields).filter(f -> map.get(f).isPresent()).count();
  }

  /** Checks that every supported field present was read; a decoder bug otherwise. */
  void finish() {
    for (SourceMap.Entry entry : map.entries()) {
      if (shape.rule(entry.key()) instanceof FieldRule.Supported && !read.contains(entry.key())) {
        throw new IllegalStateException(
            "decoder for " + shape + " accepted but did not read " + entry.key());
      }
    }
  }

  private void checkFieldNames() {
    for (SourceMap.Entry entry : map.entries()) {
      FieldPath fieldPath = path.field(entry.key());
      FieldRule rule = shape.rule(entry.key());
      if (rule == null) {
        problems.unknownField(entry.keyPosition(), fieldPath, "unknown field" + suggestion(entry.key()));
      } else if (rule instanceof FieldRule.Unsupported unsupported) {
        problems.error(entry.keyPosition(), fieldPath,
            "field not supported by Peapod (" + unsupported.why() + ")");
      } else if (rule instanceof FieldRule.Ignored ignored) {
        problems.warning(entry.keyPosition(), fieldPath, "ignored: " + ignored.why());
      }
    }
  }

  /** {@code ; did you mean "image"?} for a near miss of an accepted field, else nothing. */
  private String suggestion(String unknown) {
    List<String> near = shape.fields().entrySet().stream()
        .filter(e -> e.getValue().isAccepted())
        .map(Map.Entry::getKey)
        .filter(known -> EditDistance.between(known.toLowerCase(), unknown.toLowerCase())
            <= Math.max(1, known.length() / 4))
        .collect(Collectors.toList());
    return near.isEmpty() ? "" : "; did you mean \"" + near.get(0) + "\"?";
  }

  // ---- scalar conversions, shared with decoders that walk lists themselves ----

  Optional<String> asString(SourceNode node, FieldPath at) {
    if (node instanceof SourceScalar s && s.type() == ScalarType.STRING) {
      return Optional.of(s.text());
    }
    if (node instanceof SourceScalar s && s.type() != ScalarType.NULL) {
      problems.error(node, at, "expected a string, got " + node.describe() + "; quote it");
    } else {
      problems.error(node, at, "expected a string, got " + node.describe());
    }
    return Optional.empty();
  }

  Optional<Long> asInteger(SourceNode node, FieldPath at, long min, long max) {
    if (!(node instanceof SourceScalar s) || s.type() != ScalarType.INTEGER) {
      problems.error(node, at, "expected an integer, got " + node.describe());
      return Optional.empty();
    }
    Optional<Long> value = YamlIntegers.parse(s.text());
    if (value.isEmpty() || value.get() < min || value.get() > max) {
      problems.error(node, at, "must be between " + min + " and " + max + ", got " + s.text());
      return Optional.empty();
    }
    return value;
  }

  static Optional<Quantity> asQuantity(SourceNode node, FieldPath at, Problems problems) {
    if (node instanceof SourceScalar s
        && (s.type() == ScalarType.STRING || s.type() == ScalarType.INTEGER
            || s.type() == ScalarType.FLOAT)) {
      try {
        return Optional.of(Quantity.parse(s.text()));
      } catch (IllegalArgumentException e) {
        problems.error(node, at, e.getMessage());
        return Optional.empty();
      }
    }
    problems.error(node, at, "expected a quantity such as 500m or 128Mi, got " + node.describe());
    return Optional.empty();
  }
}
