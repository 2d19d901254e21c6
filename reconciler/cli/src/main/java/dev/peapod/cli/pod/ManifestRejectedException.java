package dev.peapod.cli.pod;

import dev.peapod.cli.CliException;
import dev.peapod.cli.ExitCodes;
import dev.peapod.manifest.diag.Diagnostic;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A manifest that cannot become a pod: parse errors, or something the provider cannot run yet.
 * Printed as the diagnostics themselves, one {@code file:line:col: path: message} per line (no
 * {@code peapod:} prefix, so editors can jump to them); exit 1.
 */
public final class ManifestRejectedException extends CliException {
  private final List<Diagnostic> diagnostics;

  public ManifestRejectedException(List<Diagnostic> diagnostics) {
    super(ExitCodes.ERROR, diagnostics.stream().map(Diagnostic::toString).collect(Collectors.joining("\n")));
    this.diagnostics = List.copyOf(diagnostics);
  }

  public List<Diagnostic> diagnostics() {
    return diagnostics;
  }
}
