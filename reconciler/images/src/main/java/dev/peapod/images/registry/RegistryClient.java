package dev.peapod.images.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peapod.images.DigestMismatchException;
import dev.peapod.images.ImageException;
import dev.peapod.images.ImageLimitException;
import dev.peapod.images.ImageLimits;
import dev.peapod.images.ImageNotFoundException;
import dev.peapod.images.PullListener;
import dev.peapod.images.RegistryAuthException;
import dev.peapod.images.RegistryException;
import dev.peapod.images.oci.Descriptor;
import dev.peapod.images.oci.Digest;
import dev.peapod.images.oci.MediaTypes;
import dev.peapod.images.oci.OciJson;
import dev.peapod.images.reference.ImageReference;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The read side of the OCI distribution API: manifests and blobs, with the token and
 * basic auth dance, mirrors, redirects and retries. Thread-safe; one per store.
 *
 * <p>Redirects are followed by hand so that the registry's Authorization header is
 * never sent to another host (blob downloads usually redirect to a CDN or S3, which
 * rejects or could log foreign credentials), and never from HTTPS to plain HTTP.
 */
public final class RegistryClient {
  private static final int MAX_REDIRECTS = 5;
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

  private final RegistryConfig config;
  private volatile HttpClient http;
  private final RetryPolicy retry;
  /** A manifest or index bigger than this is an attack, not an image (containerd's limit is the same 4 MiB by default). */
  private final int maxManifestBytes;
  private final Map<String, String> authorizations = new ConcurrentHashMap<>();
  /** host/repository → the token service host the credentials were kept from. */
  private final Map<String, String> withheldFrom = new ConcurrentHashMap<>();

  /**
   * @param http the client to send requests with, or null for {@link #defaultHttpClient()}
   *     built on the first request: building one initialises TLS and reads the CA
   *     certificates (~0.5 s here), which commands that never reach a registry should not pay
   */
  public RegistryClient(RegistryConfig config, HttpClient http, RetryPolicy retry) {
    this(config, http, retry, ImageLimits.DEFAULT.maxManifestBytes());
  }

  public RegistryClient(RegistryConfig config, HttpClient http, RetryPolicy retry, int maxManifestBytes) {
    this.config = config;
    this.http = http;
    this.retry = retry;
    this.maxManifestBytes = maxManifestBytes;
  }

  private HttpClient http() {
    HttpClient client = http;
    if (client == null) {
      synchronized (this) {
        client = http;
        if (client == null) {
          client = defaultHttpClient();
          http = client;
        }
      }
    }
    return client;
  }

  /** An HttpClient as this class expects: no automatic redirects, HTTP/1.1 so parallel layers use parallel connections. */
  public static HttpClient defaultHttpClient() {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(Duration.ofSeconds(15))
        .build();
  }

  /** A manifest or index as served, with the digest of its exact bytes. */
  public record FetchedManifest(byte[] bytes, String mediaType, Digest digest) {}

  /**
   * Fetches a manifest by tag or digest. When fetched by digest, the bytes must hash to
   * it; when fetched by tag, they must match the registry's Docker-Content-Digest.
   */
  public FetchedManifest manifest(ImageReference ref, String tagOrDigest, String image, PullListener listener) {
    return onEachEndpoint(ref, image, endpoint -> {
      HttpResponse<InputStream> response = get(endpoint, ref.repository(), "/manifests/" + tagOrDigest,
          MediaTypes.MANIFEST_ACCEPT, image, "manifest " + tagOrDigest, listener);
      byte[] bytes;
      try (InputStream body = response.body()) {
        bytes = body.readNBytes(maxManifestBytes + 1);
      } catch (IOException e) {
        throw new RegistryException(image, "reading manifest from " + endpoint.host() + " failed: "
            + NetworkFailure.describe(e), e);
      }
      if (bytes.length > maxManifestBytes) {
        throw new ImageLimitException(image, "manifest " + tagOrDigest + " from " + endpoint.host()
            + " is larger than the limit maxManifestBytes (" + ImageLimits.bytes(maxManifestBytes) + ")");
      }
      Digest digest = Digest.sha256(bytes);
      String claimed = tagOrDigest.contains(":") ? tagOrDigest
          : response.headers().firstValue("Docker-Content-Digest").orElse(null);
      if (claimed != null && claimed.startsWith("sha256:") && !claimed.equals(digest.toString())) {
        throw new DigestMismatchException(image, "manifest from " + endpoint.host() + " hashes to " + digest
            + ", not " + claimed);
      }
      if (claimed != null && claimed.startsWith("sha512:")
          && !Digest.parse(claimed).matches(digestOf(Digest.parse(claimed), bytes))) {
        throw new DigestMismatchException(image, "manifest from " + endpoint.host() + " does not match " + claimed);
      }
      String mediaType = response.headers().firstValue("Content-Type").map(t -> t.split(";")[0].strip()).orElse(null);
      return new FetchedManifest(bytes, mediaType, digest);
    });
  }

  /**
   * Opens a blob for reading. The caller verifies size and digest while storing it
   * ({@link dev.peapod.images.store.BlobStore#put}).
   */
  public InputStream blob(ImageReference ref, Descriptor descriptor, String image, PullListener listener) {
    return onEachEndpoint(ref, image, endpoint ->
        get(endpoint, ref.repository(), "/blobs/" + descriptor.digest(), "*/*", image,
            "blob " + descriptor.digest(), listener).body());
  }

  private interface EndpointCall<T> {
    T call(Endpoint endpoint);
  }

  /** Tries each mirror, then the registry itself; the registry's error is the one reported. */
  private <T> T onEachEndpoint(ImageReference ref, String image, EndpointCall<T> call) {
    List<Endpoint> endpoints = endpoints(ref.registry(), ref.repository());
    for (int i = 0; ; i++) {
      Endpoint endpoint = endpoints.get(i);
      try {
        return call.call(endpoint);
      } catch (DigestMismatchException e) {
        throw e; // tampered content is never papered over by asking someone else
      } catch (ImageException e) {
        if (i == endpoints.size() - 1) {
          throw e;
        }
      }
    }
  }

  /** One registry host to talk to for a reference. */
  /**
   * @param configName the name the configuration knows it by (the registry, e.g. docker.io, or the mirror)
   */
  record Endpoint(String host, URI base, Optional<Credentials> credentials, String configName) {}

  List<Endpoint> endpoints(String registry) {
    return endpoints(registry, "");
  }

  List<Endpoint> endpoints(String registry, String repository) {
    List<Endpoint> endpoints = new ArrayList<>();
    for (String mirror : config.mirrors(registry)) {
      endpoints.add(endpoint(mirror, mirror, repository));
    }
    String host = registry.equals(ImageReference.DOCKER_HUB) ? "registry-1.docker.io" : registry;
    endpoints.add(endpoint(host, registry, repository));
    return endpoints;
  }

  private Endpoint endpoint(String host, String configName, String repository) {
    String scheme = config.isInsecure(configName) ? "http" : "https";
    return new Endpoint(host, URI.create(scheme + "://" + host), config.credentials(configName, repository),
        configName);
  }

  /** GET with auth, retries and status mapping; returns a 200 response with its body unread. */
  private HttpResponse<InputStream> get(Endpoint endpoint, String repository, String path, String accept,
      String image, String what, PullListener listener) {
    URI uri = URI.create(endpoint.base() + "/v2/" + repository + path);
    String authKey = endpoint.host() + "/" + repository;
    boolean authenticated = false;
    for (int attempt = 1; ; attempt++) {
      HttpResponse<InputStream> response;
      try {
        response = sendFollowingRedirects(uri, accept, authorizations.get(authKey),
            "registry " + endpoint.host() + " sent no data of " + what + " for " + seconds(config.idleTimeout())
                + " (idle timeout)");
      } catch (IOException e) {
        if (NetworkFailure.unresolvedHost(e)) {
          throw new RegistryException(image, "cannot resolve registry host \"" + endpoint.base().getHost() + "\"", e);
        }
        if (retry.retryable(e) && attempt < retry.attempts()) {
          pause(attempt, null, what, NetworkFailure.describe(e), listener);
          continue;
        }
        throw new RegistryException(image, "cannot reach registry " + endpoint.host() + " for " + what + ": "
            + NetworkFailure.describe(e), e);
      }
      int status = response.statusCode();
      if (status == 200) {
        return response;
      }
      String body = drain(response);
      if (status == 401 && !authenticated) {
        authorizations.put(authKey, authorize(endpoint, repository, response, image, listener));
        authenticated = true;
        attempt--; // logging in is not a failed attempt
        continue;
      }
      if (retry.retryableStatus(status) && attempt < retry.attempts()) {
        pause(attempt, response.headers().firstValue("Retry-After").orElse(null), what, "HTTP " + status, listener);
        continue;
      }
      throw statusError(endpoint, repository, status, body, image, what);
    }
  }

  private HttpResponse<InputStream> sendFollowingRedirects(URI uri, String accept, String authorization,
      String stalled) throws IOException {
    URI current = uri;
    for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
      HttpRequest.Builder request = HttpRequest.newBuilder(current).timeout(REQUEST_TIMEOUT).header("Accept", accept).GET();
      if (authorization != null && sameOrigin(current, uri)) {
        request.header("Authorization", authorization);
      }
      HttpResponse<InputStream> response = send(request.build(), stalled);
      int status = response.statusCode();
      Optional<String> location = response.headers().firstValue("Location");
      if ((status == 301 || status == 302 || status == 303 || status == 307 || status == 308) && location.isPresent()) {
        drain(response);
        current = redirectTarget(current, location.get());
        continue;
      }
      return response;
    }
    throw new IOException("more than " + MAX_REDIRECTS + " redirects from " + uri);
  }

  /**
   * Where a redirect leads, if it may be followed: HTTP(S) only, and never from HTTPS down to
   * plain HTTP, where a blob (or the token in a later request) could be read or changed on
   * the way; the digest check would catch a changed blob, but not the eavesdropping.
   */
  static URI redirectTarget(URI from, String location) throws RedirectRefusedException {
    URI to;
    try {
      to = from.resolve(new URI(location));
    } catch (URISyntaxException | IllegalArgumentException e) {
      throw new RedirectRefusedException("refused a redirect from " + withoutQuery(from) + " to a malformed location");
    }
    if (!"https".equals(to.getScheme()) && !"http".equals(to.getScheme()) || to.getHost() == null) {
      throw new RedirectRefusedException("refused a redirect from " + withoutQuery(from) + " to " + withoutQuery(to)
          + ": not an HTTP(S) URL");
    }
    if ("https".equals(from.getScheme()) && !"https".equals(to.getScheme())) {
      throw new RedirectRefusedException("refused a redirect from HTTPS to plain HTTP: " + withoutQuery(from)
          + " -> " + withoutQuery(to));
    }
    return to;
  }

  /** A URL for messages: blob redirects carry signed query strings, which are credentials of a kind. */
  private static String withoutQuery(URI uri) {
    return uri.getScheme() + "://" + uri.getRawAuthority() + (uri.getRawPath() == null ? "" : uri.getRawPath());
  }

  /** Answers a 401: fetches a bearer token or prepares basic auth. Returns the Authorization value. */
  private String authorize(Endpoint endpoint, String repository, HttpResponse<?> unauthorized, String image,
      PullListener listener) {
    AuthChallenge challenge = AuthChallenge.parse(unauthorized.headers().firstValue("WWW-Authenticate").orElse(null))
        .orElseThrow(() -> new RegistryAuthException(image, endpoint.host() + " answered 401 without a WWW-Authenticate challenge"));
    Optional<Credentials> credentials = endpoint.credentials();
    switch (challenge.scheme()) {
      case "basic":
        return credentials.map(Credentials::basicHeader).orElseThrow(() -> noCredentials(endpoint, image));
      case "bearer":
        return "Bearer " + token(endpoint, repository, challenge, image, listener);
      default:
        throw new RegistryAuthException(image, endpoint.host() + " asks for unsupported auth scheme \"" + challenge.scheme() + "\"");
    }
  }

  private String token(Endpoint endpoint, String repository, AuthChallenge challenge, String image, PullListener listener) {
    String realm = challenge.param("realm");
    if (realm == null) {
      throw new RegistryAuthException(image, endpoint.host() + " sent a bearer challenge without a realm");
    }
    StringBuilder query = new StringBuilder();
    if (challenge.param("service") != null) {
      query.append("service=").append(URLEncoder.encode(challenge.param("service"), StandardCharsets.UTF_8));
    }
    String scope = challenge.param("scope") != null ? challenge.param("scope") : "repository:" + repository + ":pull";
    query.append(query.length() > 0 ? "&" : "").append("scope=").append(URLEncoder.encode(scope, StandardCharsets.UTF_8));
    URI uri;
    try {
      uri = new URI(realm + (realm.contains("?") ? "&" : "?") + query);
    } catch (URISyntaxException e) {
      throw new RegistryAuthException(image, endpoint.host() + " named a token realm that is not a URL: " + realm);
    }
    if (!"https".equals(uri.getScheme()) && !"http".equals(uri.getScheme()) || uri.getHost() == null) {
      throw new RegistryAuthException(image, endpoint.host() + " named a token realm that is not an HTTP(S) URL: " + realm);
    }
    if (!uri.getScheme().equals("https") && !config.isInsecure(uri.getAuthority())
        && !uri.getAuthority().equals(endpoint.host())) {
      throw new RegistryAuthException(image, "token realm " + realm + " is not HTTPS; refusing to send credentials");
    }
    // A 401 names the realm, so whoever answers it (a compromised or impersonated registry, a
    // redirect) could collect the user's password: only the registry's own host and the auth
    // services configured for it (tokenRealms) get it; anyone else is asked anonymously.
    boolean withheld = endpoint.credentials().isPresent()
        && !config.mayReceiveCredentials(endpoint.configName(), endpoint.base().getHost(), uri);
    if (withheld) {
      withheldFrom.put(endpoint.host() + "/" + repository, uri.getHost());
    }
    for (int attempt = 1; ; attempt++) {
      HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT).GET();
      if (!withheld) {
        endpoint.credentials().ifPresent(c -> request.header("Authorization", c.basicHeader()));
      }
      try {
        HttpResponse<InputStream> response = send(request.build(), "token service " + realm + " sent no data for "
            + seconds(config.idleTimeout()) + " (idle timeout)");
        String body = drain(response);
        int status = response.statusCode();
        if (status == 200) {
          JsonNode json = OciJson.readObject(body.getBytes(StandardCharsets.UTF_8), "token response from " + realm, image);
          String token = json.hasNonNull("token") ? json.get("token").asText() : OciJson.text(json, "access_token");
          if (token == null || token.isEmpty()) {
            throw new RegistryAuthException(image, "token response from " + realm + " has no token");
          }
          return token;
        }
        if (retry.retryableStatus(status) && attempt < retry.attempts()) {
          pause(attempt, response.headers().firstValue("Retry-After").orElse(null), "token", "HTTP " + status, listener);
          continue;
        }
        if (status == 401 || status == 403) {
          if (withheld) {
            throw credentialsWithheld(endpoint, uri.getHost(), image);
          }
          throw endpoint.credentials().isPresent() ? refused(endpoint, image, registryMessage(body)) : noCredentials(endpoint, image);
        }
        throw new RegistryAuthException(image, "token service " + realm + " answered HTTP " + status + registryMessage(body));
      } catch (IOException e) {
        if (NetworkFailure.unresolvedHost(e)) {
          throw new RegistryAuthException(image, "cannot resolve token service host \"" + uri.getHost() + "\"", e);
        }
        if (retry.retryable(e) && attempt < retry.attempts()) {
          pause(attempt, null, "token", NetworkFailure.describe(e), listener);
          continue;
        }
        throw new RegistryAuthException(image, "cannot reach token service " + realm + ": " + NetworkFailure.describe(e), e);
      }
    }
  }

  private ImageException statusError(Endpoint endpoint, String repository, int status, String body, String image, String what) {
    String message = registryMessage(body);
    String withheld = withheldFrom.get(endpoint.host() + "/" + repository);
    if (status == 401 && withheld != null) {
      return credentialsWithheld(endpoint, withheld, image);
    }
    return switch (status) {
      case 401 -> endpoint.credentials().isPresent()
          ? refused(endpoint, image, message)
          : new RegistryAuthException(image, "pull access denied by " + endpoint.host() + " for " + repository
              + ": the repository does not exist or needs credentials" + message);
      case 403 -> new RegistryAuthException(image, "access to " + repository + " forbidden by " + endpoint.host() + message);
      case 404 -> new ImageNotFoundException(image, body.contains("NAME_UNKNOWN")
          ? "repository " + repository + " not found at " + endpoint.host() + message
          : what + " not found in " + repository + " at " + endpoint.host() + message);
      default -> new RegistryException(image, endpoint.host() + " answered HTTP " + status + " for " + what + message);
    };
  }

  private static RegistryAuthException credentialsWithheld(Endpoint endpoint, String realmHost, String image) {
    return new RegistryAuthException(image, endpoint.host() + " sends its logins to the token service " + realmHost
        + ", which is neither its own host nor listed in its tokenRealms, so the credentials for it were not sent"
        + " and an anonymous token was not enough (if " + realmHost + " is its auth service, add tokenRealms: ["
        + realmHost + "] under " + endpoint.configName() + " in the registry configuration)");
  }

  private static RegistryAuthException refused(Endpoint endpoint, String image, String message) {
    Credentials c = endpoint.credentials().orElseThrow();
    return new RegistryAuthException(image, "login refused by " + endpoint.host() + " for user \"" + c.username()
        + "\" (credentials from " + c.source() + ")" + message);
  }

  private static RegistryAuthException noCredentials(Endpoint endpoint, String image) {
    return new RegistryAuthException(image, endpoint.host() + " requires authentication and no credentials are configured"
        + " for it (add them to Peapod's registry configuration or run docker login)");
  }

  /** The first message of a distribution-spec error body, as ": CODE: message", or "". */
  private static String registryMessage(String body) {
    try {
      JsonNode errors = OciJson.MAPPER.readTree(body).path("errors");
      if (errors.isArray() && errors.size() > 0) {
        JsonNode first = errors.get(0);
        return ": " + first.path("code").asText() + ": " + first.path("message").asText();
      }
    } catch (IOException | RuntimeException e) {
      // not JSON: fall through
    }
    String trimmed = body.strip();
    return trimmed.isEmpty() ? "" : ": " + (trimmed.length() > 200 ? trimmed.substring(0, 200) + "..." : trimmed);
  }

  /**
   * Sends a request; the response's body is read with the configured idle timeout, which fails
   * a read with {@code stalled} as its message (HttpClient's own timeout ends with the headers).
   */
  private HttpResponse<InputStream> send(HttpRequest request, String stalled) throws IOException {
    try {
      return http().send(request, IdleTimeoutBody.handler(config.idleTimeout(), stalled));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted: " + request.uri());
    }
  }

  private void pause(int attempt, String retryAfter, String what, String reason, PullListener listener) {
    Duration delay = retry.delay(attempt + 1, retryAfter);
    listener.retrying(what, attempt + 1, delay, reason);
    try {
      Thread.sleep(delay.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RegistryException(what, "interrupted while waiting to retry");
    }
  }

  private static String drain(HttpResponse<InputStream> response) {
    try (InputStream body = response.body()) {
      return new String(body.readNBytes(64 << 10), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /** "30 s", or "250 ms" below a second. */
  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  private static boolean sameOrigin(URI a, URI b) {
    return a.getScheme().equals(b.getScheme()) && String.valueOf(a.getAuthority()).equals(String.valueOf(b.getAuthority()));
  }

  private static java.security.MessageDigest digestOf(Digest algorithm, byte[] bytes) {
    java.security.MessageDigest md = algorithm.newMessageDigest();
    md.update(bytes);
    return md;
  }
}
