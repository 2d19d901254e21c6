package dev.peapod.manifest.model;

/**
 * Where a pod was declared: for messages, never part of what the pod is.
 *
 * @param file the file name as given to the parser
 * @param line 1-based line of the document's first value
 * @param column 1-based column of the document's first value
 * @param kind the kind of document
 */
public record ManifestOrigin(String file, int line, int column, ManifestKind kind) {
  @Override
  public String toString() {
    return file + ":" + line + ":" + column;
  }
}
