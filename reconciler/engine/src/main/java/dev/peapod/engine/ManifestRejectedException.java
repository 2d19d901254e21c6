package dev.peapod.engine;

import dev.peapod.manifest.diag.Diagnostic;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A manifest that cannot become a pod: parse errors, or something the provider cannot run yet.
 * Its message is the diagnostics themselves, one {@code file:line:col: path: message} per line;
 * the CLI prints them without a prefix (so editors can jump to them), the controller puts them in
 * the source's status.
 */
public final class ManifestRejectedException extends EngineException {
  private static final long serialVersionUID = 1L;

  private final transient List<Diagnostic> diagnostics;
  private final String revision;

  public ManifestRejectedException(List<Diagnostic> diagnostics) {
    this(diagnostics, "");
  }

  /** @param revision the source revision the manifests are from ({@code main@sha1:...}), or empty */
  public ManifestRejectedException(List<Diagnostic> diagnostics, String revision) {
    super(diagnostics.stream().map(Diagnostic::toString).collect(Collectors.joining("\n")), null);
    this.diagnostics = List.copyOf(diagnostics);
    this.revision = revision;
  }

  /** The revision the rejected manifests are from, or empty when the source has no revisions. */
  public String revision() {
    return revision;
  }

  public List<Diagnostic> diagnostics() {
    return diagnostics;
  }
}
