package dev.peapod.cli.plan;

import dev.peapod.cli.CliException;
import dev.peapod.cli.ExitCodes;
import dev.peapod.cli.output.Output;
import dev.peapod.cli.pod.ManifestRejectedException;
import dev.peapod.cli.pod.ManifestToPodSpec;
import dev.peapod.manifest.ManifestDirectory;
import dev.peapod.manifest.ManifestParser;
import dev.peapod.manifest.ParseResult;
import dev.peapod.manifest.diag.Diagnostic;
import dev.peapod.manifest.diag.Severity;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.plan.DesiredPod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The desired state of {@code -f} paths: every manifest under each directory (recursively) and
 * each named file. Every file is read and checked before anything is planned, and all problems
 * of all files are reported together; a pod declared twice is an error naming both places.
 */
final class ManifestSources {
  private ManifestSources() {}

  /** The declared pods, and the warnings about them (printed, never fatal). */
  record Loaded(List<DesiredPod> pods, List<Diagnostic> warnings) {}

  /** The declared pods; warnings go to stderr. */
  static List<DesiredPod> loadReporting(List<Path> paths, Output output) {
    Loaded loaded = load(paths);
    loaded.warnings().forEach(w -> output.err().println(w));
    output.err().flush();
    return loaded.pods();
  }

  static Loaded load(List<Path> paths) {
    List<Diagnostic> problems = new ArrayList<>();
    List<Diagnostic> warnings = new ArrayList<>();
    Map<String, PodManifest> byName = new LinkedHashMap<>();
    for (Path path : paths) {
      if (!Files.exists(path)) {
        throw new CliException(ExitCodes.NOT_FOUND, path + ": no such file or directory");
      }
      ParseResult parsed = Files.isDirectory(path) ? ManifestDirectory.load(path) : ManifestParser.parse(path);
      problems.addAll(parsed.diagnostics().errors());
      warnings.addAll(parsed.diagnostics().warnings());
      for (PodManifest pod : parsed.manifests()) {
        PodManifest earlier = byName.putIfAbsent(pod.name(), pod);
        if (earlier != null && !earlier.origin().equals(pod.origin())) {
          problems.add(new Diagnostic(Severity.ERROR, pod.origin().file(), pod.origin().line(), pod.origin().column(),
              "metadata.name", "pod \"" + pod.name() + "\" is also declared at " + earlier.origin().file() + ":"
                  + earlier.origin().line()));
        }
        problems.addAll(ManifestToPodSpec.unsupported(pod));
      }
    }
    if (!problems.isEmpty()) {
      throw new ManifestRejectedException(problems);
    }
    return new Loaded(byName.values().stream().map(DesiredPod::of).toList(), warnings);
  }
}
