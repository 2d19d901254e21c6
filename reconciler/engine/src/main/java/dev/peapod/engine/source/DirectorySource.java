package dev.peapod.engine.source;

import dev.peapod.engine.ManifestRejectedException;
import dev.peapod.engine.config.ConfigReferences;
import dev.peapod.engine.config.ConfigResolver;
import dev.peapod.engine.spec.ManifestToPodSpec;
import dev.peapod.manifest.ManifestDirectory;
import dev.peapod.manifest.ManifestParser;
import dev.peapod.manifest.ParseResult;
import dev.peapod.manifest.diag.Diagnostic;
import dev.peapod.manifest.diag.Severity;
import dev.peapod.manifest.model.ConfigObject;
import dev.peapod.manifest.model.PodManifest;
import dev.peapod.plan.DesiredPod;
import dev.peapod.plan.Owners;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The desired state of manifest paths ({@code apply -f}, a directory source of the controller, a
 * git checkout): every manifest under each directory (recursively) and each named file. Every
 * file is read and checked before anything is planned, and all problems of all files are reported
 * together; a pod declared twice is an error naming both places.
 *
 * <p>ConfigMap and Secret documents among the manifests are what the pods' references resolve to
 * ({@link ConfigResolver#of}), in the namespace {@code default} unless a document names another:
 * pods read from files live in {@code default}, as kubectl would put them.
 *
 * <p>Its owner is {@code dir:} and the absolute paths unless the caller names another (a git
 * source reads its checkout through this class under its own {@code git:} owner).
 */
public final class DirectorySource implements DesiredStateSource {

  private final List<Path> paths;
  private final String owner;
  private final Path cacheHome;

  public DirectorySource(List<Path> paths, String owner) {
    this(paths, owner, null);
  }

  private DirectorySource(List<Path> paths, String owner, Path cacheHome) {
    if (paths.isEmpty()) {
      throw new IllegalArgumentException("a directory source needs at least one path");
    }
    this.paths = List.copyOf(paths);
    this.owner = owner;
    this.cacheHome = cacheHome;
  }

  /**
   * The same source, read through the {@link ManifestCache} of {@code peapodHome}: unchanged files
   * are not parsed again (the CLI's plan and apply of many pods).
   */
  public DirectorySource cachedIn(Path peapodHome) {
    return new DirectorySource(paths, owner, peapodHome);
  }

  /** The source of {@code peapod apply -f PATH...}, owned by {@code dir:PATHS}. */
  public static DirectorySource of(List<Path> paths) {
    return new DirectorySource(paths, Owners.ofPaths(paths));
  }

  @Override
  public String owner() {
    return owner;
  }

  public List<Path> paths() {
    return paths;
  }

  @Override
  public DesiredSnapshot read() {
    if (cacheHome != null) {
      Optional<DesiredSnapshot> cached = CachedManifestRead.read(paths, ManifestCache.open(cacheHome, paths));
      if (cached.isPresent()) {
        return cached.get();
      }
    }
    List<Diagnostic> problems = new ArrayList<>();
    List<Diagnostic> warnings = new ArrayList<>();
    Map<String, PodManifest> byName = new LinkedHashMap<>();
    Map<String, ConfigObject> configs = new LinkedHashMap<>();
    for (Path path : paths) {
      if (!Files.exists(path)) {
        throw new SourceUnavailableException(path + ": no such file or directory", true, null);
      }
      ParseResult parsed = Files.isDirectory(path) ? ManifestDirectory.load(path) : ManifestParser.parse(path);
      problems.addAll(parsed.diagnostics().errors());
      warnings.addAll(parsed.diagnostics().warnings());
      for (ConfigObject config : parsed.configObjects()) {
        ConfigObject earlier = configs.putIfAbsent(config.reference(), config);
        if (earlier != null && !earlier.declaredAt().equals(config.declaredAt())) {
          problems.add(new Diagnostic(Severity.ERROR, config.file(), config.line(), config.column(), "metadata.name",
              config.kind().kubernetesKind() + " \"" + config.name() + "\" is also declared at " + earlier.declaredAt()));
        }
      }
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
    ConfigResolver resolver = ConfigResolver.of(configs.values());
    List<DesiredPod> pods = new ArrayList<>();
    for (PodManifest pod : byName.values()) {
      ConfigReferences.Attached attached = ConfigReferences.attach(pod, pod.metadata().effectiveNamespace(), resolver);
      problems.addAll(attached.errors());
      pods.add(DesiredPod.of(attached.pod()));
    }
    if (!problems.isEmpty()) {
      throw new ManifestRejectedException(problems);
    }
    return new DesiredSnapshot(revisionOf(pods), pods, warnings);
  }

  /** {@code sha256:<12 hex>} over every pod's name, desired state and spec hash: equal content, equal revision. */
  static String revisionOf(List<DesiredPod> pods) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (DesiredPod pod : pods) {
        sha.update((pod.name() + " " + pod.state() + " " + pod.hash() + "\n")
            .getBytes(StandardCharsets.UTF_8));
      }
      return "sha256:" + HexFormat.of().formatHex(sha.digest()).substring(0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
