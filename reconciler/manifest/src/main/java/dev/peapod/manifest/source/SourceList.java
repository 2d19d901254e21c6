package dev.peapod.manifest.source;

import java.util.List;

/** A sequence ({@code - item} in YAML, {@code [...]} in JSON). */
public record SourceList(Position position, List<SourceNode> items) implements SourceNode {
  public SourceList {
    items = List.copyOf(items);
  }

  @Override
  public String describe() {
    return "a list";
  }
}
