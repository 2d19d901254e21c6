package dev.peapod.manifest.diag;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Problems found while reading manifests, in the order they were found. Parsing goes on after an
 * error so that one run reports everything wrong with a file.
 */
public final class Diagnostics {

  private final List<Diagnostic> all = new ArrayList<>();

  public void add(Diagnostic diagnostic) {
    all.add(diagnostic);
  }

  public void addAll(Diagnostics other) {
    all.addAll(other.all);
  }

  public void error(String file, int line, int column, String path, String message) {
    add(new Diagnostic(Severity.ERROR, file, line, column, path, message));
  }

  public void warning(String file, int line, int column, String path, String message) {
    add(new Diagnostic(Severity.WARNING, file, line, column, path, message));
  }

  /**
   * These diagnostics in file order, by line and column (stable otherwise). Decoders find
   * problems in the order they check them; people read a file top to bottom.
   */
  public Diagnostics sortedByPosition() {
    Diagnostics sorted = new Diagnostics();
    all.stream()
        .sorted(java.util.Comparator.comparingInt(Diagnostic::line).thenComparingInt(Diagnostic::column))
        .forEach(sorted::add);
    return sorted;
  }

  public List<Diagnostic> all() {
    return Collections.unmodifiableList(all);
  }

  public List<Diagnostic> errors() {
    return all.stream().filter(Diagnostic::isError).toList();
  }

  public List<Diagnostic> warnings() {
    return all.stream().filter(d -> !d.isError()).toList();
  }

  public boolean hasErrors() {
    return all.stream().anyMatch(Diagnostic::isError);
  }

  public int errorCount() {
    return (int) all.stream().filter(Diagnostic::isError).count();
  }

  public boolean isEmpty() {
    return all.isEmpty();
  }

  /** One diagnostic per line, as {@link Diagnostic#toString()} prints them. */
  @Override
  public String toString() {
    return all.stream().map(Diagnostic::toString).collect(Collectors.joining("\n"));
  }
}
