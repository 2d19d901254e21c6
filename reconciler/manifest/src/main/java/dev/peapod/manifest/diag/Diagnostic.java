package dev.peapod.manifest.diag;

import java.util.Objects;

/**
 * One problem found in a manifest file, pointing at the value it is about.
 *
 * @param severity whether it rejects the document
 * @param file the file name as the user gave it (or the name passed to the parser)
 * @param line 1-based line, 0 when the problem is about the file as a whole
 * @param column 1-based column, 0 when the problem is about the file as a whole
 * @param path field path in the document, like {@code spec.containers[1].name}; empty for the
 *     document itself
 * @param message what is wrong, in words a user can act on
 */
public record Diagnostic(
    Severity severity, String file, int line, int column, String path, String message) {

  public Diagnostic {
    Objects.requireNonNull(severity, "severity");
    Objects.requireNonNull(file, "file");
    path = path == null ? "" : path;
    Objects.requireNonNull(message, "message");
  }

  public boolean isError() {
    return severity == Severity.ERROR;
  }

  /** {@code file:line:col: [warning: ]path: message}, the way compilers print. */
  @Override
  public String toString() {
    StringBuilder out = new StringBuilder(file);
    if (line > 0) {
      out.append(':').append(line).append(':').append(column);
    }
    out.append(": ");
    if (severity == Severity.WARNING) {
      out.append("warning: ");
    }
    if (!path.isEmpty()) {
      out.append(path).append(": ");
    }
    return out.append(message).toString();
  }
}
