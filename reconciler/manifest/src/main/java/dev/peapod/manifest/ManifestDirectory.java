package dev.peapod.manifest;

import dev.peapod.manifest.diag.Diagnostics;
import dev.peapod.manifest.model.ConfigObject;
import dev.peapod.manifest.model.ClaimDecl;
import dev.peapod.manifest.model.PodManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The desired state of a directory tree: every {@code *.yaml}, {@code *.yml} and {@code *.json}
 * file below it, and every {@code *.pod} (HyperContainer's pod files), read in sorted path order so that results and messages are the same on every
 * run. Files and directories whose names start with '.' (such as {@code .git}) are skipped. A pod
 * name declared in two files is an error naming both, and so is a ConfigMap or Secret.
 */
public final class ManifestDirectory {
  private ManifestDirectory() {}

  public static ParseResult load(Path dir) {
    Diagnostics diagnostics = new Diagnostics();
    List<Path> files;
    try {
      files = manifestFiles(dir);
    } catch (IOException e) {
      diagnostics.error(dir.toString(), 0, 0, "", "cannot read directory: " + e.getMessage());
      return new ParseResult(List.of(), diagnostics);
    }
    List<PodManifest> pods = new ArrayList<>();
    Map<String, PodManifest> byName = new HashMap<>();
    List<ConfigObject> configs = new ArrayList<>();
    Map<String, ConfigObject> configsByReference = new HashMap<>();
    // Parsing is most of the time for a large repository: files are parsed in parallel, and the
    // results merged in path order, so messages and duplicate reports do not depend on timing.
    List<ParseResult> parsed = files.parallelStream().map(ManifestParser::parse).toList();
    List<ClaimDecl> claims = new ArrayList<>();
    for (ParseResult result : parsed) {
      diagnostics.addAll(result.diagnostics());
      claims.addAll(result.claims());
      for (PodManifest pod : result.manifests()) {
        PodManifest earlier = byName.putIfAbsent(pod.name(), pod);
        if (earlier != null) {
          DuplicateNames.report(pod, earlier, diagnostics);
        } else {
          pods.add(pod);
        }
      }
      for (ConfigObject config : result.configObjects()) {
        ConfigObject earlier = configsByReference.putIfAbsent(config.reference(), config);
        if (earlier != null) {
          DuplicateNames.report(config, earlier, diagnostics);
        } else {
          configs.add(config);
        }
      }
    }
    // A claim's document may be in another file than the pods that use it.
    return new ParseResult(ClaimBinding.bind(pods, claims), diagnostics, configs, claims);
  }

  /** Manifest files under {@code dir}, sorted by their path relative to it. */
  public static List<Path> manifestFiles(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk
          .filter(p -> !isHidden(dir.relativize(p)))
          .filter(Files::isRegularFile)
          .filter(ManifestDirectory::isManifestName)
          .sorted(Comparator.comparing(p -> dir.relativize(p).toString().replace('\\', '/')))
          .toList();
    }
  }

  private static boolean isHidden(Path relative) {
    for (Path part : relative) {
      if (part.toString().startsWith(".")) {
        return true;
      }
    }
    return false;
  }

  private static boolean isManifestName(Path file) {
    String name = file.getFileName().toString();
    return name.endsWith(".yaml") || name.endsWith(".yml") || name.endsWith(".json") || name.endsWith(".pod");
  }
}
