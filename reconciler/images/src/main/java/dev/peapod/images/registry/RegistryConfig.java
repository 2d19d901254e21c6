package dev.peapod.images.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peapod.images.ImageFormatException;
import dev.peapod.images.oci.OciJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * How to reach registries: credentials, mirrors, and which registries are spoken to over
 * plain HTTP. Immutable; the {@code with*} methods return changed copies.
 *
 * <p>Peapod's own file ({@code $PEAPOD_HOME/registries.json}):
 * <pre>
 * {"registries": {
 *    "registry.example:5000": {"username": "u", "password": "p", "insecure": true,
 *                              "tokenRealms": ["auth.example"]},
 *    "127.0.0.1:5443": {"insecure": false},
 *    "docker.io": {"mirrors": ["mirror.local:5000"]}},
 *  "idleTimeoutSeconds": 30}
 * </pre>
 * Credentials from this file win over {@code ~/.docker/config.json} ({@code auths.HOST.auth});
 * credential helpers ({@code credsStore}) are not consulted. Credentials go to a token service
 * only on the registry's own host or on a host in its {@code tokenRealms}
 * ({@link #mayReceiveCredentials}).
 *
 * <p>Plain HTTP is used for hosts listed as insecure and, as Docker does, for loopback
 * registries ({@link LoopbackHost}: 127.0.0.0/8, {@code localhost}, {@code [::1]}, any port),
 * whose traffic never leaves the machine; {@code "insecure": false} makes a loopback
 * registry HTTPS. Everything else is HTTPS: a name is never resolved to decide, so neither a
 * typo nor a DNS answer can send credentials in clear text.
 */
public final class RegistryConfig {
  private final Map<String, Credentials> credentials;
  private final Map<String, Credentials> dockerCredentials;
  private final Map<String, List<String>> mirrors;
  /** Hosts whose {@code insecure} is set, true or false; the rest follow {@link LoopbackHost}. */
  private final Map<String, Boolean> insecure;
  private final Duration idleTimeout;
  /** Per registry: the other hosts whose token services may receive its credentials. */
  private final Map<String, List<String>> tokenRealms;
  /** A pod's imagePullSecrets, consulted first; {@link PullSecretKeyring#EMPTY} for the host's own pulls. */
  private final PullSecretKeyring keyring;

  /**
   * Token services known to belong to their registry though on another host: Docker Hub's
   * logins go to auth.docker.io. Configured {@code tokenRealms} add to these.
   */
  private static final Map<String, List<String>> KNOWN_TOKEN_REALMS = Map.of("docker.io", List.of("auth.docker.io"));

  /**
   * How long a read of a response body may wait for data before the transfer fails (see
   * {@link IdleTimeoutBody}): long enough for a slow registry, short enough that a stalled one
   * does not hold a pod's lock for ever.
   */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);

  private RegistryConfig(Map<String, Credentials> credentials, Map<String, Credentials> dockerCredentials,
      Map<String, List<String>> mirrors, Map<String, Boolean> insecure, Duration idleTimeout,
      Map<String, List<String>> tokenRealms) {
    this(credentials, dockerCredentials, mirrors, insecure, idleTimeout, tokenRealms, PullSecretKeyring.EMPTY);
  }

  private RegistryConfig(Map<String, Credentials> credentials, Map<String, Credentials> dockerCredentials,
      Map<String, List<String>> mirrors, Map<String, Boolean> insecure, Duration idleTimeout,
      Map<String, List<String>> tokenRealms, PullSecretKeyring keyring) {
    this.keyring = keyring;
    this.credentials = Map.copyOf(credentials);
    this.dockerCredentials = Map.copyOf(dockerCredentials);
    this.mirrors = Map.copyOf(mirrors);
    this.insecure = Map.copyOf(insecure);
    this.idleTimeout = idleTimeout;
    this.tokenRealms = Map.copyOf(tokenRealms);
  }

  /** No credentials, mirrors or insecure registries (loopback registries are plain HTTP all the same). */
  public static RegistryConfig empty() {
    return new RegistryConfig(Map.of(), Map.of(), Map.of(), Map.of(), DEFAULT_IDLE_TIMEOUT, Map.of());
  }

  /**
   * The configuration a user has: Peapod's file if present, plus Docker's config
   * ({@code $DOCKER_CONFIG/config.json} or {@code ~/.docker/config.json}) if present.
   */
  public static RegistryConfig load(Path peapodFile) throws IOException {
    RegistryConfig config = Files.exists(peapodFile) ? parse(Files.readAllBytes(peapodFile), peapodFile.toString()) : empty();
    String dockerDir = System.getenv("DOCKER_CONFIG");
    Path dockerFile = dockerDir != null
        ? Path.of(dockerDir, "config.json")
        : Path.of(System.getProperty("user.home"), ".docker", "config.json");
    return config.withDockerConfig(dockerFile);
  }

  /** Parses Peapod's registries JSON. */
  public static RegistryConfig parse(byte[] json, String source) {
    JsonNode root = OciJson.readObject(json, "registry configuration", source);
    JsonNode registries = root.path("registries");
    Map<String, Credentials> credentials = new HashMap<>();
    Map<String, List<String>> mirrors = new HashMap<>();
    Map<String, Boolean> insecure = new HashMap<>();
    Map<String, List<String>> tokenRealms = new HashMap<>();
    registries.properties().forEach(entry -> {
      String host = normalizeHost(entry.getKey());
      JsonNode node = entry.getValue();
      if (node.hasNonNull("username")) {
        credentials.put(host, new Credentials(node.path("username").asText(), node.path("password").asText(), source));
      }
      JsonNode plain = node.path("insecure");
      if (plain.isBoolean() || plain.isTextual() && plain.asText().matches("true|false")) {
        insecure.put(host, plain.asBoolean());
      } else if (!plain.isMissingNode() && !plain.isNull()) {
        throw new ImageFormatException(source, "registries." + entry.getKey() + ".insecure must be true or false, got " + plain);
      }
      List<String> list = new ArrayList<>();
      node.path("mirrors").forEach(m -> list.add(normalizeHost(m.asText())));
      if (!list.isEmpty()) {
        mirrors.put(host, list);
      }
      JsonNode realmList = node.path("tokenRealms");
      if (!realmList.isMissingNode() && !realmList.isNull() && !realmList.isArray()) {
        throw new ImageFormatException(source, "registries." + entry.getKey()
            + ".tokenRealms must be a list of host names, got " + realmList);
      }
      List<String> realms = new ArrayList<>();
      realmList.forEach(r -> realms.add(normalizeHost(r.asText())));
      if (!realms.isEmpty()) {
        tokenRealms.put(host, realms);
      }
    });
    JsonNode idle = root.path("idleTimeoutSeconds");
    Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
    if (!idle.isMissingNode()) {
      if (!idle.isNumber() || idle.asDouble() <= 0) {
        throw new ImageFormatException(source, "idleTimeoutSeconds must be a positive number of seconds, got " + idle);
      }
      idleTimeout = Duration.ofMillis(Math.round(idle.asDouble() * 1000));
    }
    return new RegistryConfig(credentials, Map.of(), mirrors, insecure, idleTimeout, tokenRealms);
  }

  /** Adds credentials from a Docker config file ({@code auths.HOST.auth} = base64 user:password). */
  public RegistryConfig withDockerConfig(Path dockerConfig) throws IOException {
    if (!Files.exists(dockerConfig)) {
      return this;
    }
    return new RegistryConfig(credentials, DockerConfigFile.read(dockerConfig), mirrors, insecure, idleTimeout, tokenRealms);
  }

  public RegistryConfig withCredentials(String host, String username, String password) {
    Map<String, Credentials> copy = new HashMap<>(credentials);
    copy.put(normalizeHost(host), new Credentials(username, password, "Peapod registry configuration"));
    return new RegistryConfig(copy, dockerCredentials, mirrors, insecure, idleTimeout, tokenRealms);
  }

  public RegistryConfig withInsecure(String host) {
    Map<String, Boolean> copy = new HashMap<>(insecure);
    copy.put(normalizeHost(host), true);
    return new RegistryConfig(credentials, dockerCredentials, mirrors, copy, idleTimeout, tokenRealms);
  }

  public RegistryConfig withMirror(String host, String mirror) {
    Map<String, List<String>> copy = new HashMap<>(mirrors);
    List<String> list = new ArrayList<>(copy.getOrDefault(normalizeHost(host), List.of()));
    list.add(normalizeHost(mirror));
    copy.put(normalizeHost(host), List.copyOf(list));
    return new RegistryConfig(credentials, dockerCredentials, copy, insecure, idleTimeout, tokenRealms);
  }

  /** Each read of a response body waits at most this long for data. */
  public RegistryConfig withIdleTimeout(Duration timeout) {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("idle timeout must be positive, got " + timeout);
    }
    return new RegistryConfig(credentials, dockerCredentials, mirrors, insecure, timeout, tokenRealms);
  }

  /** Lets the token service on {@code realmHost} (host or host:port) receive the credentials of {@code registry}. */
  public RegistryConfig withTokenRealm(String registry, String realmHost) {
    Map<String, List<String>> copy = new HashMap<>(tokenRealms);
    List<String> list = new ArrayList<>(copy.getOrDefault(normalizeHost(registry), List.of()));
    list.add(normalizeHost(realmHost));
    copy.put(normalizeHost(registry), List.copyOf(list));
    return new RegistryConfig(credentials, dockerCredentials, mirrors, insecure, idleTimeout, copy);
  }

  /**
   * Whether the credentials of {@code registry} (as configured: docker.io, registry.example:5000)
   * may go to the token service at {@code realm}: when it is on the host the registry is reached
   * at ({@code registryHost}, any port), or on a host listed in its {@code tokenRealms} (or
   * known, as auth.docker.io for Docker Hub).
   */
  public boolean mayReceiveCredentials(String registry, String registryHost, URI realm) {
    String host = realm.getHost();
    if (host == null) {
      return false;
    }
    if (host.equalsIgnoreCase(registryHost)) {
      return true;
    }
    String authority = normalizeHost(realm.getAuthority());
    String key = normalizeHost(registry);
    return Stream.concat(KNOWN_TOKEN_REALMS.getOrDefault(key, List.of()).stream(),
            tokenRealms.getOrDefault(key, List.of()).stream())
        .anyMatch(allowed -> allowed.equals(authority) || allowed.equalsIgnoreCase(host));
  }

  public Duration idleTimeout() {
    return idleTimeout;
  }

  /**
   * This configuration with a pod's pull secrets in front: {@link #credentials(String, String)}
   * asks them first, as the kubelet tries a pod's imagePullSecrets before the node's credentials.
   */
  public RegistryConfig withKeyring(PullSecretKeyring podKeyring) {
    return new RegistryConfig(credentials, dockerCredentials, mirrors, insecure, idleTimeout, tokenRealms, podKeyring);
  }

  /** The credentials for {@code repository} at {@code host}: the pod's pull secrets', else the host's own. */
  public Optional<Credentials> credentials(String host, String repository) {
    return keyring.lookup(host, repository).or(() -> credentials(host));
  }

  public Optional<Credentials> credentials(String host) {
    String key = normalizeHost(host);
    Credentials own = credentials.get(key);
    return Optional.ofNullable(own != null ? own : dockerCredentials.get(key));
  }

  /** Whether {@code host} (host[:port]) is spoken to over plain HTTP: as configured, else if it is loopback. */
  public boolean isInsecure(String host) {
    Boolean configured = insecure.get(normalizeHost(host));
    return configured != null ? configured : LoopbackHost.is(host);
  }

  /** Mirrors to try, in order, before the registry itself. */
  public List<String> mirrors(String host) {
    return mirrors.getOrDefault(normalizeHost(host), List.of());
  }

  /**
   * One spelling per registry: no scheme or path, and Docker Hub's many names
   * ({@code https://index.docker.io/v1/}, {@code registry-1.docker.io}) as {@code docker.io}.
   */
  static String normalizeHost(String host) {
    String h = host.strip();
    int scheme = h.indexOf("://");
    if (scheme >= 0) {
      h = h.substring(scheme + 3);
    }
    int slash = h.indexOf('/');
    if (slash >= 0) {
      h = h.substring(0, slash);
    }
    h = h.toLowerCase(java.util.Locale.ROOT);
    return switch (h) {
      case "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com" -> "docker.io";
      default -> h;
    };
  }
}
