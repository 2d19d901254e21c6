package dev.peapod.images.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import org.junit.jupiter.api.Test;

/** Which redirects a registry request follows (HttpsRedirectTest does it against a real TLS server). */
class RedirectTargetTest {

  @Test
  void followsHttpsToHttpsAndHttpToEither() throws Exception {
    assertEquals(URI.create("https://cdn.example/blob?sig=1"),
        RegistryClient.redirectTarget(URI.create("https://registry.example/v2/x"), "https://cdn.example/blob?sig=1"));
    assertEquals(URI.create("https://registry.example/v2/y"),
        RegistryClient.redirectTarget(URI.create("https://registry.example/v2/x"), "/v2/y"));
    assertEquals(URI.create("http://cdn.local/blob"),
        RegistryClient.redirectTarget(URI.create("http://127.0.0.1:5000/v2/x"), "http://cdn.local/blob"));
  }

  @Test
  void refusesADowngradeOtherSchemesAndMalformedLocations() {
    URI from = URI.create("http://registry.example/v2/app/blobs/sha256:ab");
    for (String location : new String[] {"file:///etc/passwd", "ftp://cdn.example/x", "http://[bad", "mailto:x@y"}) {
      assertThrows(RedirectRefusedException.class, () -> RegistryClient.redirectTarget(from, location), location);
    }
    RedirectRefusedException downgrade = assertThrows(RedirectRefusedException.class, () -> RegistryClient.redirectTarget(
        URI.create("https://registry.example/v2/x"), "http://cdn.example/blob?sig=s3cret"));
    assertEquals("refused a redirect from HTTPS to plain HTTP: https://registry.example/v2/x -> http://cdn.example/blob",
        downgrade.getMessage());
    assertTrue(NetworkFailure.permanent(downgrade), "not retried");
  }
}
