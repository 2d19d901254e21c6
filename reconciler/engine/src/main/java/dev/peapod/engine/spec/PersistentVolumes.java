package dev.peapod.engine.spec;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peapod.files.AtomicFiles;
import dev.peapod.manifest.model.ClaimDecl;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Persistent volume claims in file and git mode: each claim is a directory of this host,
 * {@code $PEAPOD_HOME/volumes/NAMESPACE/CLAIM}, made on a pod's first use and shared into its VM
 * like a hostPath. It outlives the pod ({@code rm} and a recreate keep it) and goes only with
 * {@code peapod volume rm}.
 *
 * <p>Beside each directory, {@code $PEAPOD_HOME/claims/NAMESPACE/CLAIM.json} records what the claim
 * asked for when it was made (size and access modes from its {@code kind: PersistentVolumeClaim}
 * document) and when. The size is not enforced: a quota per directory needs project quotas (ext4
 * or xfs mounted with {@code prjquota}) and root, which Peapod does not set up; {@code peapod
 * volume ls} shows the size asked for next to the size used.
 *
 * <p>Namespace and claim come from manifests, so both are checked as Kubernetes names before they
 * become path components: {@code ../..} never leaves the volumes directory.
 */
public final class PersistentVolumes {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  private final Path home;

  public PersistentVolumes(Path home) {
    this.home = home;
  }

  /** One claim as recorded: where its files are, what it asked for, and how much it holds. */
  public record Claim(String namespace, String name, Path directory, Optional<String> storage,
      List<String> accessModes, Optional<Instant> created, long usedBytes) {}

  /** Why {@code namespace}/{@code claim} cannot name a directory, if it cannot. */
  public static Optional<String> invalid(String namespace, String claim) {
    if (!LABEL.matcher(namespace).matches()) {
      return Optional.of("namespace \"" + namespace + "\" is not a DNS-1123 label, so it cannot name"
          + " a claim's directory");
    }
    if (claim.length() > 253 || !SUBDOMAIN.matcher(claim).matches()) {
      return Optional.of("claim \"" + claim + "\" is not a DNS-1123 subdomain");
    }
    return Optional.empty();
  }

  /** The claim's directory (not made). */
  public Path directory(String namespace, String claim) {
    invalid(namespace, claim).ifPresent(m -> {
      throw new IllegalArgumentException(m);
    });
    return home.resolve("volumes").resolve(namespace).resolve(claim);
  }

  private Path record(String namespace, String claim) {
    return home.resolve("claims").resolve(namespace).resolve(claim + ".json");
  }

  /**
   * The claim's directory, made (0700) with its record on first use; an existing claim is taken
   * as it is, whatever its document says now.
   */
  public Path ensure(String namespace, String claim, Optional<ClaimDecl> declared) {
    Path dir = directory(namespace, claim);
    try {
      Files.createDirectories(dir.getParent());
      if (!Files.isDirectory(dir)) {
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(
            PosixFilePermissions.fromString("rwx------")));
      }
      Path record = record(namespace, claim);
      if (!Files.exists(record)) {
        Files.createDirectories(record.getParent());
        ObjectNode json = JSON.createObjectNode();
        json.put("namespace", namespace);
        json.put("name", claim);
        declared.flatMap(ClaimDecl::storage).ifPresent(q -> json.put("storage", q.toString()));
        json.putArray("accessModes");
        declared.ifPresent(d -> d.accessModes().forEach(((com.fasterxml.jackson.databind.node.ArrayNode)
            json.get("accessModes"))::add));
        json.put("created", Instant.now().toString());
        AtomicFiles.write(record, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(json));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make the directory of claim " + namespace + "/" + claim
          + " (" + dir + "): " + e.getMessage(), e);
    }
    return dir;
  }

  /** Every claim: recorded ones, and directories under volumes/NAMESPACE/ that look like claims. */
  public List<Claim> list() throws IOException {
    List<Claim> out = new ArrayList<>();
    Path claims = home.resolve("claims");
    if (!Files.isDirectory(claims)) {
      return out;
    }
    try (Stream<Path> namespaces = Files.list(claims)) {
      for (Path ns : namespaces.sorted().toList()) {
        try (Stream<Path> records = Files.list(ns)) {
          for (Path record : records.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
            String name = record.getFileName().toString().replaceFirst("\\.json$", "");
            out.add(read(ns.getFileName().toString(), name, record));
          }
        }
      }
    }
    return out;
  }

  /** The claim, if it exists. */
  public Optional<Claim> find(String namespace, String claim) throws IOException {
    if (invalid(namespace, claim).isPresent()) {
      return Optional.empty();
    }
    Path record = record(namespace, claim);
    return Files.exists(record) ? Optional.of(read(namespace, claim, record)) : Optional.empty();
  }

  private Claim read(String namespace, String name, Path record) throws IOException {
    var json = JSON.readTree(record.toFile());
    List<String> modes = new ArrayList<>();
    json.path("accessModes").forEach(m -> modes.add(m.asText()));
    Path dir = home.resolve("volumes").resolve(namespace).resolve(name);
    return new Claim(namespace, name, dir,
        Optional.ofNullable(json.get("storage")).map(n -> n.asText()), modes,
        Optional.ofNullable(json.get("created")).map(n -> Instant.parse(n.asText())),
        usedBytes(dir));
  }

  private static long usedBytes(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(p -> {
        try {
          return Files.size(p);
        } catch (IOException e) {
          return 0;
        }
      }).sum();
    }
  }

  /** Deletes the claim's files and record. */
  public void remove(Claim claim) throws IOException {
    Path dir = directory(claim.namespace(), claim.name());
    if (Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      try (Stream<Path> all = Files.walk(dir)) {
        for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
    Files.deleteIfExists(record(claim.namespace(), claim.name()));
  }
}
