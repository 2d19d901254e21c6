package dev.peapod.images.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A pod's pull secrets matched to images by the kubelet's keyring rules. */
class PullSecretKeyringTest {

  private static String auth(String user, String password) {
    return Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  private static PullSecretKeyring keyring(String... keysAndUsers) {
    StringBuilder json = new StringBuilder("{\"auths\": {");
    for (int i = 0; i < keysAndUsers.length; i += 2) {
      json.append(i == 0 ? "" : ",").append('"').append(keysAndUsers[i]).append("\": {\"auth\": \"")
          .append(auth(keysAndUsers[i + 1], "pw")).append("\"}");
    }
    json.append("}}");
    return PullSecretKeyring.of(Map.of("secret default/regcred", json.toString().getBytes(StandardCharsets.UTF_8)));
  }

  private static Optional<String> user(PullSecretKeyring keyring, String registry, String repository) {
    return keyring.lookup(registry, repository).map(Credentials::username);
  }

  @Test
  void hostAndPortMustMatchAsWritten() {
    PullSecretKeyring k = keyring("127.0.0.1:5000", "a", "registry.example", "b");
    assertEquals(Optional.of("a"), user(k, "127.0.0.1:5000", "team/app"));
    assertEquals(Optional.empty(), user(k, "127.0.0.1:5001", "team/app"), "another port is another registry");
    assertEquals(Optional.empty(), user(k, "127.0.0.1", "team/app"));
    assertEquals(Optional.of("b"), user(k, "registry.example", "app"));
    assertEquals(Optional.empty(), user(k, "registry.example:443", "app"), "a key without a port matches none");
    assertEquals(Optional.empty(), user(k, "other.example", "app"));
  }

  @Test
  void schemesAndDockerHubsNamesAreOne() {
    PullSecretKeyring k = keyring("https://index.docker.io/v1/", "hub", "http://r.example:5000/", "r");
    assertEquals(Optional.of("hub"), user(k, "docker.io", "library/busybox"));
    assertEquals(Optional.of("r"), user(k, "r.example:5000", "x"));
  }

  @Test
  void globsMatchOneLabelEach() {
    PullSecretKeyring k = keyring("*.example.com", "glob");
    assertEquals(Optional.of("glob"), user(k, "eu.example.com", "app"));
    assertEquals(Optional.empty(), user(k, "a.eu.example.com", "app"), "* stays within one label");
    assertEquals(Optional.empty(), user(k, "example.com", "app"));
  }

  @Test
  void aPathIsARepositoryPrefixAndTheMostSpecificKeyWins() {
    PullSecretKeyring k = keyring("r.example", "any", "r.example/team-a", "team-a");
    assertEquals(Optional.of("team-a"), user(k, "r.example", "team-a/app"));
    assertEquals(Optional.of("any"), user(k, "r.example", "team-b/app"));
    PullSecretKeyring only = keyring("r.example/team-a", "team-a");
    assertEquals(Optional.empty(), user(only, "r.example", "team-b/app"), "no credentials outside the prefix");
  }

  @Test
  void anEarlierSecretWinsForTheSameKeyAndBrokenEntriesAreLeftOut() {
    Map<String, byte[]> configs = new LinkedHashMap<>();
    configs.put("first", ("{\"auths\": {\"r.example\": {\"auth\": \"" + auth("first", "p") + "\"},"
        + " \"bad.example\": {\"auth\": \"%%%\"}}}").getBytes(StandardCharsets.UTF_8));
    configs.put("second", ("{\"r.example\": {\"username\": \"second\", \"password\": \"p\"},"
        + " \"old.example\": {\"username\": \"cfg\", \"password\": \"p\"}}").getBytes(StandardCharsets.UTF_8));
    PullSecretKeyring k = PullSecretKeyring.of(configs);
    assertEquals(Optional.of("first"), user(k, "r.example", "app"));
    assertEquals(Optional.of("cfg"), user(k, "old.example", "app"), "a .dockercfg lists registries at the top");
    assertEquals(Optional.empty(), user(k, "bad.example", "app"));
    assertEquals("first", k.lookup("r.example", "app").orElseThrow().source());
    assertFalse(k.toString().contains("p\""), k::toString);
  }

  @Test
  void aPodsKeyringComesBeforeTheHostsCredentials() {
    RegistryConfig host = RegistryConfig.empty().withCredentials("r.example", "host-user", "x");
    assertEquals("host-user", host.credentials("r.example", "app").orElseThrow().username());
    RegistryConfig pod = host.withKeyring(keyring("r.example", "pod-user"));
    assertEquals("pod-user", pod.credentials("r.example", "app").orElseThrow().username());
    assertTrue(pod.credentials("other.example", "app").isEmpty());
    assertEquals("host-user", pod.withKeyring(PullSecretKeyring.EMPTY).credentials("r.example", "app").orElseThrow()
        .username());
  }
}
