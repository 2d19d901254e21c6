package dev.peapod.engine.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.peapod.engine.EngineException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The host paths a manifest may share as hostPath volumes: the tree under the manifest file's own
 * directory, the tree under {@code $PEAPOD_HOME/volumes}, and the trees an administrator adds in
 * {@code $PEAPOD_HOME/hostpaths.yaml}
 * <pre>
 * allow:
 *   - /srv/data
 *   - /home/me/src
 * </pre>
 * or in {@code PEAPOD_HOSTPATHS} (absolute directories separated by ':'). A manifest from someone
 * else's repository must not reach {@code /etc} or a home directory just by naming it: the VM's
 * 9p server runs as the user running Peapod (root by default) and writes what the guest asks.
 *
 * <p>Paths are compared after resolving symlinks (of the path, or of its nearest existing parent
 * when it does not exist yet), so a link under an allowed directory that points elsewhere is
 * judged by where it points.
 */
public final class HostPathAllowList {
  private static final YAMLMapper YAML = new YAMLMapper();

  private final List<Path> roots;
  private final String configured;

  private HostPathAllowList(List<Path> roots, String configured) {
    this.roots = List.copyOf(roots);
    this.configured = configured;
  }

  /** Thrown when {@code hostpaths.yaml} or {@code PEAPOD_HOSTPATHS} cannot be read or is malformed. */
  public static final class InvalidHostPathsException extends EngineException {
    private static final long serialVersionUID = 1L;

    InvalidHostPathsException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * The allow-list of {@code home} ({@code $PEAPOD_HOME}) and the environment's
   * {@code PEAPOD_HOSTPATHS}.
   *
   * @throws InvalidHostPathsException naming the file or variable and the entry
   */
  public static HostPathAllowList load(Path home, Map<String, String> env) {
    List<Path> roots = new ArrayList<>();
    roots.add(home.resolve("volumes"));
    Path file = home.resolve("hostpaths.yaml");
    if (Files.isRegularFile(file)) {
      roots.addAll(fromFile(file));
    }
    String variable = env.get("PEAPOD_HOSTPATHS");
    if (variable != null) {
      for (String entry : variable.split(":")) {
        if (!entry.isEmpty()) {
          roots.add(absolute(entry, "PEAPOD_HOSTPATHS"));
        }
      }
    }
    return new HostPathAllowList(roots, file.toString());
  }

  /** {@code $PEAPOD_HOME/volumes}, always the first allowed tree: claims' directories live there. */
  public Path volumesRoot() {
    return roots.get(0);
  }

  /**
   * This list and {@code more}: for paths the user named on the command line ({@code peapod run
   * IMAGE -v PATH:...}), which are the user's own choice rather than a manifest's.
   */
  public HostPathAllowList plus(List<Path> more) {
    List<Path> all = new ArrayList<>(roots);
    more.forEach(p -> all.add(p.toAbsolutePath().normalize()));
    return new HostPathAllowList(all, configured);
  }

  /** The allow-list of this process: {@code $PEAPOD_HOME} as the provider finds it, and its environment. */
  public static HostPathAllowList fromEnvironment() {
    Map<String, String> env = System.getenv();
    String home = System.getProperty("peapod.home", env.get("PEAPOD_HOME"));
    Path path = home != null ? Path.of(home) : root()
        ? Path.of("/var/lib/peapod")
        : Path.of(System.getProperty("user.home", "/tmp"), ".local", "share", "peapod");
    return load(path, env);
  }

  /**
   * Why {@code path} may not be shared by a manifest in {@code manifestDir}, if it may not.
   *
   * @param manifestDir the manifest file's directory, null when the manifest was not read from a file
   */
  public Optional<String> problem(Path manifestDir, Path path) {
    return problemOfResolved(manifestDir, real(path), path);
  }

  /**
   * Why {@code resolved}, a path {@link #resolved} made of {@code path} as declared, may not be
   * shared; it is checked as it is, no symlink on it followed again. A pod's spec keeps the resolved
   * path, and this checks exactly what it keeps: resolving twice, once to check and once to keep,
   * would let a symlink put on the path in between (by a container, through a writable hostPath
   * of its own) name a tree no check saw.
   */
  public Optional<String> problemOfResolved(Path manifestDir, Path resolved, Path path) {
    Path real = resolved;
    List<Path> allowed = new ArrayList<>();
    if (manifestDir != null) {
      allowed.add(manifestDir);
    }
    allowed.addAll(roots);
    for (Path root : allowed) {
      if (real.startsWith(real(root))) {
        return Optional.empty();
      }
    }
    return Optional.of("hostPath " + path + (real.equals(path) ? "" : " (" + real + ")") + " is outside the"
        + " directories manifests may share: " + (manifestDir == null ? "" : "the manifest's directory "
        + manifestDir + ", ") + String.join(", ", roots.stream().map(Path::toString).toList())
        + "; allow more in " + configured + " (allow: [DIR, ...]) or PEAPOD_HOSTPATHS=DIR:DIR");
  }

  /**
   * {@code path} with symlinks resolved as far as it exists, the rest appended as written: what a
   * pod's spec names for a hostPath, so that the provider opens it with no symlink followed (see
   * the QEMU provider's HostShares).
   */
  public static Path resolved(Path path) {
    return real(path);
  }

  /** {@code path} with symlinks resolved as far as it exists; the rest appended as written. */
  private static Path real(Path path) {
    Path absolute = path.toAbsolutePath().normalize();
    Path existing = absolute;
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing == null) {
      return absolute;
    }
    try {
      return existing.toRealPath().resolve(existing.relativize(absolute)).normalize();
    } catch (IOException e) {
      return absolute;
    }
  }

  private static List<Path> fromFile(Path file) {
    JsonNode root;
    try {
      root = YAML.readTree(Files.readAllBytes(file));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new InvalidHostPathsException(file + ": not valid YAML: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new InvalidHostPathsException("cannot read " + file + ": " + e.getMessage(), e);
    }
    JsonNode allow = root == null ? null : root.get("allow");
    if (allow == null || allow.isNull()) {
      return List.of();
    }
    if (!allow.isArray()) {
      throw new InvalidHostPathsException(file + ": allow: must be a list of absolute directories", null);
    }
    List<Path> roots = new ArrayList<>();
    for (int i = 0; i < allow.size(); i++) {
      JsonNode entry = allow.get(i);
      if (!entry.isTextual()) {
        throw new InvalidHostPathsException(file + ": allow[" + i + "]: must be an absolute directory", null);
      }
      roots.add(absolute(entry.asText(), file + ": allow[" + i + "]"));
    }
    return roots;
  }

  private static Path absolute(String entry, String where) {
    Path path = Path.of(entry);
    if (!path.isAbsolute()) {
      throw new InvalidHostPathsException(where + ": \"" + entry + "\" is not an absolute path", null);
    }
    return path.normalize();
  }

  private static boolean root() {
    try {
      return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }
}
