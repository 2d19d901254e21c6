package dev.peapod.manifest.source;

import java.util.List;
import java.util.Optional;

/**
 * A mapping with string keys, entries in file order. Keys are unique: the readers report a
 * duplicate key and keep the first, because a silently overwritten field is a classic YAML trap.
 */
public record SourceMap(Position position, List<Entry> entries) implements SourceNode {

  /** One {@code key: value} pair; {@code key} is where the key is written. */
  public record Entry(String key, Position keyPosition, SourceNode value) {}

  public SourceMap {
    entries = List.copyOf(entries);
  }

  public Optional<Entry> entry(String key) {
    return entries.stream().filter(e -> e.key().equals(key)).findFirst();
  }

  /** The value under {@code key} if present and not null. */
  public Optional<SourceNode> get(String key) {
    return entry(key)
        .map(Entry::value)
        .filter(v -> !(v instanceof SourceScalar s && s.isNull()));
  }

  @Override
  public String describe() {
    return "an object";
  }
}
