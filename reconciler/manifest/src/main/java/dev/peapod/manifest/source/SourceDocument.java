package dev.peapod.manifest.source;

/**
 * One document of a file: a YAML document between {@code ---} lines, or one JSON value.
 *
 * @param file the file name used in diagnostics
 * @param root the document's top-level value
 */
public record SourceDocument(String file, SourceNode root) {}
