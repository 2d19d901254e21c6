package dev.peapod.images.registry;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;

/**
 * A username and password for one registry.
 *
 * @param source where they came from, for error messages ("~/.docker/config.json"); never the secret
 */
public record Credentials(String username, String password, String source) {
  public Credentials {
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(password, "password");
    source = source == null ? "configuration" : source;
  }

  /** The value of a Basic Authorization header. */
  public String basicHeader() {
    return "Basic " + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return "Credentials[" + username + " from " + source + "]"; // no password in logs
  }
}
