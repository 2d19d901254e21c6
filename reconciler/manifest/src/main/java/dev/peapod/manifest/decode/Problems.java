package dev.peapod.manifest.decode;

import dev.peapod.manifest.diag.Diagnostics;
import dev.peapod.manifest.source.Position;
import dev.peapod.manifest.source.SourceNode;

/** Reports problems of one file into its {@link Diagnostics}, counting the errors per document. */
public final class Problems {

  private final String file;
  private final Diagnostics diagnostics;

  public Problems(String file, Diagnostics diagnostics) {
    this.file = file;
    this.diagnostics = diagnostics;
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
