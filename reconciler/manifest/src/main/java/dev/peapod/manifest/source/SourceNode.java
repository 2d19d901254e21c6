package dev.peapod.manifest.source;

/**
 * A value read from YAML or JSON together with where it starts. YAML and JSON files become the
 * same tree, so the decoders need not know which syntax a pod was written in.
 */
public sealed interface SourceNode permits SourceMap, SourceList, SourceScalar {

  Position position();

  /** What kind of value this is, for "expected X, got Y" messages. */
  String describe();
}
