package dev.peapod.manifest;

import dev.peapod.manifest.diag.Diagnostics;
import dev.peapod.manifest.model.ConfigObject;
import dev.peapod.manifest.model.ClaimDecl;
import dev.peapod.manifest.model.PodManifest;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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

  /**
   * Manifest files under {@code dir}, sorted by their path relative to it; hidden files and
   * directories (a name starting with '.') are left out, the latter without being walked. Each
   * entry is stat'ed once, by the walk (a symbolic link is followed to tell whether it leads to a
   * file), and each relative path made once: for a thousand files, the walk and the sort once took
   * a tenth of a plan.
   */
  public static List<Path> manifestFiles(Path dir) throws IOException {
    record Found(String key, Path path) {}
    List<Found> found = new ArrayList<>();
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
        return !d.equals(dir) && isHiddenName(d) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
        if (!isHiddenName(file) && isManifestName(file)
            && (attrs.isRegularFile() || attrs.isSymbolicLink() && Files.isRegularFile(file))) {
          found.add(new Found(dir.relativize(file).toString().replace('\\', '/'), file));
        }
        return FileVisitResult.CONTINUE;
      }
    });
    found.sort(Comparator.comparing(Found::key));
    return found.stream().map(Found::path).toList();
  }

  private static boolean isHiddenName(Path path) {
    Path name = path.getFileName();
    return name != null && name.toString().startsWith(".");
  }

  private static boolean isManifestName(Path file) {
    String name = file.getFileName().toString();
    return name.endsWith(".yaml") || name.endsWith(".yml") || name.endsWith(".json") || name.endsWith(".pod");
  }
}
