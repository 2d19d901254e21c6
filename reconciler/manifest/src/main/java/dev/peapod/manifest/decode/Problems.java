package dev.peapod.manifest.decode;

import dev.peapod.manifest.diag.Diagnostics;
import dev.peapod.manifest.source.Position;
import dev.peapod.manifest.source.SourceNode;

/** Reports problems of one file into its {@link Diagnostics}, counting the errors per document. */
public final class Problems {

  private final String file;
  private final Diagnostics diagnostics;
  private final boolean dropUnknownFields;

  public Problems(String file, Diagnostics diagnostics) {
    this(file, diagnostics, false);
  }

  /**
   * @param dropUnknownFields an unknown field is a warning and is left out, as Kubernetes' API server does by default
   *     (its {@code fieldValidation=Warn}); otherwise it is an error
   */
  public Problems(String file, Diagnostics diagnostics, boolean dropUnknownFields) {
    this.file = file;
    this.diagnostics = diagnostics;
    this.dropUnknownFields = dropUnknownFields;
  }

  /** A field no shape knows ({@code message} says so and may suggest a near one): an error, or a warning when dropped. */
  public void unknownField(Position at, FieldPath path, String message) {
    if (dropUnknownFields) {
      warning(at, path, message + " (dropped)");
    } else {
      error(at, path, message);
    }
  }

  public String file() {
    return file;
  }

  public void error(SourceNode at, FieldPath path, String message) {
    error(at.position(), path, message);
  }

  public void error(Position at, FieldPath path, String message) {
    diagnostics.error(file, at.line(), at.column(), path.text(), message);
  }

  public void warning(Position at, FieldPath path, String message) {
    diagnostics.warning(file, at.line(), at.column(), path.text(), message);
  }

  /** Errors so far; a document is valid when this did not grow while decoding it. */
  public int errorCount() {
    return diagnostics.errorCount();
  }
}
