package dev.peapod.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistryConfigFilesTest {
  @TempDir Path home;
  @TempDir Path user;

  @Test
  void registriesYamlCarriesTokenRealmsInsecureAndTheIdleTimeout() throws Exception {
    Files.writeString(home.resolve("registries.yaml"), """
        idleTimeoutSeconds: 5
        registries:
          registry.gitlab.example:
            tokenRealms: [gitlab.example]
          127.0.0.1:5443:
            insecure: false
        """);
    var config = RegistryConfigFiles.load(home, user, Map.of());
    assertEquals(Duration.ofSeconds(5), config.idleTimeout());
    assertTrue(config.mayReceiveCredentials("registry.gitlab.example", "registry.gitlab.example",
        URI.create("https://gitlab.example/jwt/auth")));
    assertEquals(false, config.isInsecure("127.0.0.1:5443"));
    assertEquals(true, config.isInsecure("127.0.0.1:5000"), "loopback without an entry");
  }

  @Test
  void aBadValueIsAnErrorNamingTheFileNotAnImage() throws Exception {
    Path file = Files.writeString(home.resolve("registries.yaml"), "registries:\n  r.example:\n    tokenRealms: auth.example\n");
    var e = assertThrows(RegistryConfigFiles.InvalidRegistryConfigException.class,
        () -> RegistryConfigFiles.load(home, user, Map.of()));
    assertEquals(file + ": registries.r.example.tokenRealms must be a list of host names, got \"auth.example\"",
        e.getMessage());
  }
}
