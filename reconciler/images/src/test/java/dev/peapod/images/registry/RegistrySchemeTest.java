package dev.peapod.images.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Which registries are spoken to over plain HTTP: configured ones and loopback, nothing else. */
class RegistrySchemeTest {

  private static String scheme(RegistryConfig config, String registry) {
    RegistryClient client = new RegistryClient(config, null, RetryPolicy.NONE);
    var endpoints = client.endpoints(registry);
    return endpoints.get(endpoints.size() - 1).base().getScheme();
  }

  @Test
  void loopbackRegistriesArePlainHttpWithoutConfiguration() {
    for (String host : new String[] {"127.0.0.1:5000", "127.0.0.1", "127.1.2.3:443", "127.255.255.255:1",
        "localhost:5000", "localhost", "LocalHost:5000", "[::1]:5000", "[::1]"}) {
      assertEquals("http", scheme(RegistryConfig.empty(), host), host);
    }
  }

  @Test
  void everythingElseStaysHttps() {
    for (String host : new String[] {"registry.example:5000", "registry.example", "docker.io", "quay.io",
        "127.0.0.1.nip.io:5000", "localhost.example:5000", "localhostx:5000", "128.0.0.1:5000", "10.0.0.1:5000",
        "127.0.0.256:5000", "127.0.0:5000", "[::2]:5000", "[::ffff:127.0.0.1]:5000", "0.0.0.0:5000"}) {
      assertEquals("https", scheme(RegistryConfig.empty(), host), host);
    }
  }

  @Test
  void configurationDecidesWhenItSaysSo() {
    assertEquals("http", scheme(RegistryConfig.empty().withInsecure("registry.example:5000"), "registry.example:5000"));
    RegistryConfig tlsOnLoopback = RegistryConfig.parse(
        "{\"registries\":{\"127.0.0.1:5443\":{\"insecure\":false}}}".getBytes(StandardCharsets.UTF_8), "test");
    assertEquals("https", scheme(tlsOnLoopback, "127.0.0.1:5443"));
    assertEquals("http", scheme(tlsOnLoopback, "127.0.0.1:5000"), "only the port named");
  }

  @Test
  void aMirrorOnLoopbackIsPlainHttpWhileTheRegistryStaysHttps() {
    RegistryClient client = new RegistryClient(RegistryConfig.empty().withMirror("docker.io", "127.0.0.1:5000"),
        null, RetryPolicy.NONE);
    var endpoints = client.endpoints("docker.io");
    assertEquals("http://127.0.0.1:5000", endpoints.get(0).base().toString());
    assertEquals("https://registry-1.docker.io", endpoints.get(1).base().toString());
  }
}
