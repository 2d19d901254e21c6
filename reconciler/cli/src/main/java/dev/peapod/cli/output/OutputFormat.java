package dev.peapod.cli.output;

/** What {@code -o/--output} selects: aligned text for people, JSON or YAML for programs. */
public enum OutputFormat {
  table,
  json,
  yaml
}
