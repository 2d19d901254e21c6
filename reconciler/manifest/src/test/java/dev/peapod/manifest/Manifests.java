package dev.peapod.manifest;

import java.util.List;

/** Test helpers: parse text as a file and get the diagnostics as printed. */
final class Manifests {
  private Manifests() {}

  static final String FILE = "pods/web.yaml";

  static List<String> diagnostics(String content) {
    return ManifestParser.parse(FILE, content).diagnostics().all().stream()
        .map(Object::toString).toList();
  }

  /** A PeaPod document with {@code spec} lines appended (indented two spaces). */
  static String peapod(String... specLines) {
    StringBuilder out = new StringBuilder(
        "apiVersion: peapod.dev/v1alpha1\nkind: PeaPod\nmetadata:\n  name: web\nspec:\n");
    for (String line : specLines) {
      out.append("  ").append(line).append('\n');
    }
    return out.toString();
  }
}
