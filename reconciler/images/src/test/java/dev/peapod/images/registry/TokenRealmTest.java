package dev.peapod.images.registry;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import org.junit.jupiter.api.Test;

/** Which token services may receive a registry's credentials. */
class TokenRealmTest {
  private final RegistryConfig config = RegistryConfig.empty();

  @Test
  void theRegistrysOwnHostOnAnyPort() {
    assertTrue(config.mayReceiveCredentials("registry.example:5000", "registry.example", URI.create("https://registry.example/token")));
    assertTrue(config.mayReceiveCredentials("registry.example:5000", "registry.example", URI.create("https://REGISTRY.example:8443/t")));
    assertFalse(config.mayReceiveCredentials("registry.example:5000", "registry.example", URI.create("https://evil.example/token")));
    assertFalse(config.mayReceiveCredentials("registry.example:5000", "registry.example",
        URI.create("https://registry.example.evil.example/token")));
  }

  @Test
  void dockerHubsAuthServiceIsKnown() {
    assertTrue(config.mayReceiveCredentials("docker.io", "registry-1.docker.io", URI.create("https://auth.docker.io/token")));
    assertFalse(config.mayReceiveCredentials("quay.io", "quay.io", URI.create("https://auth.docker.io/token")));
  }

  @Test
  void configuredRealmsByHostOrHostAndPort() {
    RegistryConfig gitlab = config.withTokenRealm("registry.gitlab.example", "gitlab.example")
        .withTokenRealm("other.example", "auth.other.example:8443");
    assertTrue(gitlab.mayReceiveCredentials("registry.gitlab.example", "registry.gitlab.example",
        URI.create("https://gitlab.example/jwt/auth")));
    assertFalse(gitlab.mayReceiveCredentials("registry.example", "registry.example",
        URI.create("https://gitlab.example/jwt/auth")), "listed for another registry");
    assertTrue(gitlab.mayReceiveCredentials("other.example", "other.example", URI.create("https://auth.other.example:8443/t")));
  }

  @Test
  void tokenRealmsAndInsecureFromTheConfigurationFile() {
    RegistryConfig parsed = RegistryConfig.parse(("{\"registries\":{\"registry.gitlab.example\":{\"insecure\":\"false\","
        + "\"tokenRealms\":[\"gitlab.example\"]}}}").getBytes(java.nio.charset.StandardCharsets.UTF_8), "registries.json");
    assertTrue(parsed.mayReceiveCredentials("registry.gitlab.example", "registry.gitlab.example",
        URI.create("https://gitlab.example/jwt/auth")));
    var notAList = org.junit.jupiter.api.Assertions.assertThrows(dev.peapod.images.ImageFormatException.class,
        () -> RegistryConfig.parse("{\"registries\":{\"r.example\":{\"tokenRealms\":\"auth.example\"}}}"
            .getBytes(java.nio.charset.StandardCharsets.UTF_8), "registries.yaml"));
    org.junit.jupiter.api.Assertions.assertEquals("registries.yaml: registries.r.example.tokenRealms must be a list of"
        + " host names, got \"auth.example\"", notAList.getMessage());
    var badInsecure = org.junit.jupiter.api.Assertions.assertThrows(dev.peapod.images.ImageFormatException.class,
        () -> RegistryConfig.parse("{\"registries\":{\"r.example\":{\"insecure\":\"maybe\"}}}"
            .getBytes(java.nio.charset.StandardCharsets.UTF_8), "registries.yaml"));
    assertTrue(badInsecure.getMessage().contains("registries.r.example.insecure must be true or false"), badInsecure.getMessage());
  }
}
