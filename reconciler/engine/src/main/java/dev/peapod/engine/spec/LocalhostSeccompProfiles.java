package dev.peapod.engine.spec;

import dev.peapod.manifest.diag.Diagnostics;
import dev.peapod.manifest.source.JsonReader;
import dev.peapod.manifest.source.SourceDocument;
import dev.peapod.provider.seccomp.SeccompCompiler;
import dev.peapod.provider.seccomp.SeccompProfile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Kubernetes' {@code seccompProfile: {type: Localhost, localhostProfile: PATH}}: the profile file
 * {@code PATH} below the host's profiles directory, the kubelet's {@code <root>/seccomp/}
 * convention: {@code $PEAPOD_HOME/seccomp/}, or the directory {@code PEAPOD_SECCOMP_DIR} names.
 *
 * <p>The manifest's path is relative and has no {@code ..} (checked where it is parsed); here the
 * file it names must also really be below the directory once symlinks are resolved (an
 * administrator's link inside the directory to another profile there works; one to
 * {@code /etc/shadow} does not), a regular file of at most {@link #MAX_BYTES}, valid JSON in the
 * format {@link SeccompProfileDecoder} reads, and compile to a program the kernel loads. Problems
 * are diagnostics at the profile's {@code file:line:col}, after one at the manifest's field that
 * names the file.
 *
 * <p>The file is read when a pod's spec is made (plan, apply, run, start): a changed profile file
 * takes effect the next time the container is started from its manifest, as with the kubelet, which
 * reads it when it creates a container.
 */
public final class LocalhostSeccompProfiles {

  /** Docker's default profile is ~20 KB; ten times more than any real profile. */
  static final int MAX_BYTES = 1 << 20;

  private final Path directory;

  public LocalhostSeccompProfiles(Path directory) {
    this.directory = directory.toAbsolutePath().normalize();
  }

  /** The profiles directory of {@code home} ($PEAPOD_HOME) and the environment's PEAPOD_SECCOMP_DIR. */
  public static LocalhostSeccompProfiles of(Path home, Map<String, String> env) {
    String configured = env.get("PEAPOD_SECCOMP_DIR");
    return new LocalhostSeccompProfiles(configured == null || configured.isBlank()
        ? home.resolve("seccomp") : Path.of(configured));
  }

  public Path directory() {
    return directory;
  }

  /** A loaded profile for one container, or why it cannot be used (errors, each at its place). */
  public record Loaded(Optional<SeccompProfile> profile, Diagnostics problems) {}

  /**
   * The profile {@code relative} names, resolved for a container holding {@code capabilities}
   * (names without {@code CAP_}) and checked to compile.
   */
  public Loaded load(String relative, Set<String> capabilities) {
    Diagnostics problems = new Diagnostics();
    Path file = directory.resolve(relative).normalize();
    String name = file.toString();
    Optional<String> content = read(file, problems);
    if (content.isEmpty()) {
      return new Loaded(Optional.empty(), problems);
    }
    List<SourceDocument> documents = new JsonReader(name, problems).read(content.get());
    if (problems.hasErrors()) {
      return new Loaded(Optional.empty(), problems);
    }
    if (documents.size() != 1) {
      problems.error(name, 0, 0, "", documents.isEmpty() ? "the file is empty: a seccomp profile is one JSON object"
          : "holds " + documents.size() + " JSON values: a seccomp profile is one JSON object");
      return new Loaded(Optional.empty(), problems);
    }
    Optional<SeccompProfileDecoder.DecodedProfile> decoded =
        new SeccompProfileDecoder(name, problems).decode(documents.get(0).root());
    if (decoded.isEmpty()) {
      return new Loaded(Optional.empty(), problems);
    }
    SeccompProfile profile = decoded.get().forContainer(capabilities);
    try {
      SeccompCompiler.compile(profile);
    } catch (SeccompCompiler.TooLargeException e) {
      problems.error(name, 0, 0, "", "cannot be loaded: " + e.getMessage());
      return new Loaded(Optional.empty(), problems);
    }
    return new Loaded(Optional.of(profile), problems);
  }

  private Optional<String> read(Path file, Diagnostics problems) {
    String name = file.toString();
    try {
      if (!file.startsWith(directory) || !Files.exists(file)) {
        problems.error(name, 0, 0, "", "no such seccomp profile in " + directory);
        return Optional.empty();
      }
      Path real = file.toRealPath();
      Path realDirectory = directory.toRealPath();
      if (!real.startsWith(realDirectory)) {
        problems.error(name, 0, 0, "", "resolves to " + real + ", outside the profiles directory " + realDirectory);
        return Optional.empty();
      }
      if (!Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
        problems.error(name, 0, 0, "", "is not a regular file");
        return Optional.empty();
      }
      try (InputStream in = Files.newInputStream(real)) {
        byte[] bytes = in.readNBytes(MAX_BYTES + 1);
        if (bytes.length > MAX_BYTES) {
          problems.error(name, 0, 0, "", "is larger than " + MAX_BYTES + " bytes, the most a seccomp profile may be");
          return Optional.empty();
        }
        return Optional.of(new String(bytes, StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      problems.error(name, 0, 0, "", "cannot read the seccomp profile: " + e.getMessage());
      return Optional.empty();
    }
  }
}
