package dev.peapod.images.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A pod's registry credentials from its {@code imagePullSecrets}, matched to an image as the
 * kubelet's keyring matches them: a key is {@code host[:port][/path]} (a scheme is ignored, Docker
 * Hub's names are one), its host may use {@code *} per label ({@code *.example.com}), its port must
 * equal the image's (none matches none), and its path must be a prefix of the image's repository.
 * The most specific key wins (the kubelet's reverse-sorted keys); secrets listed first win over
 * later ones for the same key.
 *
 * <p>Used for that pod's pulls only, before the host's own credentials; a mirror gets the keys
 * written for the mirror, never the registry's.
 */
public final class PullSecretKeyring {

  /** No pull secrets. */
  public static final PullSecretKeyring EMPTY = new PullSecretKeyring(List.of());

  private static final ObjectMapper JSON = new ObjectMapper();

  private record Entry(String host, String port, String path, Credentials credentials, int order) {}

  private final List<Entry> entries;

  private PullSecretKeyring(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  /**
   * The keyring of {@code configs}: each a Docker configuration as a {@code kubernetes.io/dockerconfigjson}
   * ({@code {"auths": {...}}}) or {@code kubernetes.io/dockercfg} ({@code {...}}) Secret holds it,
   * named for messages ({@code secret default/regcred}). Entries without a usable user and password
   * are left out, as the kubelet leaves them out.
   */
  public static PullSecretKeyring of(Map<String, byte[]> configs) {
    List<Entry> entries = new ArrayList<>();
    for (Map.Entry<String, byte[]> config : configs.entrySet()) {
      JsonNode root;
      try {
        root = JSON.readTree(new String(config.getValue(), StandardCharsets.UTF_8));
      } catch (IOException e) {
        continue; // checked when the Secret was read; nothing to match here
      }
      if (root == null || !root.isObject()) {
        continue;
      }
      JsonNode auths = root.has("auths") ? root.path("auths") : root;
      auths.properties().forEach(registry -> credentials(registry.getValue(), config.getKey()).ifPresent(c ->
          entries.add(entry(registry.getKey(), c, entries.size()))));
    }
    entries.sort(Comparator.comparing((Entry e) -> e.host() + (e.port().isEmpty() ? "" : ":" + e.port()) + e.path())
        .reversed().thenComparingInt(Entry::order));
    return new PullSecretKeyring(entries);
  }

  public boolean isEmpty() {
    return entries.isEmpty();
  }

  /** The credentials for {@code repository} on {@code registry} ({@code host[:port]}, as a reference names it). */
  public Optional<Credentials> lookup(String registry, String repository) {
    String normalized = RegistryConfig.normalizeHost(registry);
    String[] hostPort = splitPort(normalized);
    for (Entry entry : entries) {
      if (entry.port().equals(hostPort[1]) && hostMatches(entry.host(), hostPort[0])
          && ("/" + repository).startsWith(entry.path())) {
        return Optional.of(entry.credentials());
      }
    }
    return Optional.empty();
  }

  private static Entry entry(String key, Credentials credentials, int order) {
    String k = key.strip();
    int scheme = k.indexOf("://");
    if (scheme >= 0) {
      k = k.substring(scheme + 3);
    }
    int slash = k.indexOf('/');
    String path = slash >= 0 ? k.substring(slash) : "";
    if (path.equals("/v1/") || path.equals("/v1") || path.equals("/")) {
      path = ""; // https://index.docker.io/v1/ is Docker Hub's name, not a repository prefix
    }
    String[] hostPort = splitPort(RegistryConfig.normalizeHost(slash >= 0 ? k.substring(0, slash) : k));
    return new Entry(hostPort[0], hostPort[1], path, credentials, order);
  }

  private static String[] splitPort(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon > 0 && hostPort.indexOf(']') < colon) {
      return new String[] {hostPort.substring(0, colon), hostPort.substring(colon + 1)};
    }
    return new String[] {hostPort, ""};
  }

  /** Label by label, {@code *} matching any characters within one label, as Go's filepath.Match does. */
  private static boolean hostMatches(String glob, String host) {
    String[] globLabels = glob.toLowerCase(Locale.ROOT).split("\\.", -1);
    String[] hostLabels = host.toLowerCase(Locale.ROOT).split("\\.", -1);
    if (globLabels.length != hostLabels.length) {
      return false;
    }
    for (int i = 0; i < globLabels.length; i++) {
      if (!hostLabels[i].matches(globToRegex(globLabels[i]))) {
        return false;
      }
    }
    return true;
  }

  private static String globToRegex(String label) {
    String[] parts = label.split("\\*", -1);
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < parts.length; i++) {
      if (i > 0) {
        out.append("[^.]*");
      }
      out.append(java.util.regex.Pattern.quote(parts[i]));
    }
    return out.toString();
  }

  private static Optional<Credentials> credentials(JsonNode auth, String source) {
    if (auth.hasNonNull("auth") && !auth.path("auth").asText().isEmpty()) {
      String decoded;
      try {
        decoded = new String(Base64.getDecoder().decode(auth.path("auth").asText().strip()), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        return Optional.empty();
      }
      int colon = decoded.indexOf(':');
      return colon > 0
          ? Optional.of(new Credentials(decoded.substring(0, colon), decoded.substring(colon + 1), source))
          : Optional.empty();
    }
    if (auth.hasNonNull("username")) {
      return Optional.of(new Credentials(auth.path("username").asText(), auth.path("password").asText(), source));
    }
    return Optional.empty();
  }

  @Override
  public String toString() {
    return "PullSecretKeyring(" + entries.size() + " entries)";
  }
}
