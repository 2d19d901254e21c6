package dev.peapod.kubernetes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.engine.config.ConfigResolver;
import dev.peapod.manifest.model.ConfigObject;
import dev.peapod.manifest.model.ConfigObject.Kind;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agent's ConfigMaps and Secrets from fabric8's mock API server (CRUD mode): values as the
 * kubelet would hand them over, one watch per referenced object for as long as a PeaPod refers to
 * it, and a change queueing exactly the PeaPods that use the object.
 */
@EnableKubernetesMockClient(crud = true)
class ConfigWatchesTest {

  static KubernetesClient client;

  private final BlockingQueue<String> queued = new LinkedBlockingQueue<>();
  private ConfigWatches watches;

  @BeforeEach
  void start() {
    watches = new ConfigWatches(client, queued::add);
  }

  @AfterEach
  void stop() {
    watches.close();
    client.configMaps().inAnyNamespace().delete();
    client.secrets().inAnyNamespace().delete();
  }

  private static String b64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aConfigMapsDataAndBinaryDataAndASecretsDecodedValues() {
    client.configMaps().inNamespace("prod").resource(new ConfigMapBuilder().withNewMetadata().withName("web-config")
        .endMetadata().withData(Map.of("greeting", "hello")).withBinaryData(Map.of("blob", b64("\u0001\u0002")))
        .build()).create();
    client.secrets().inNamespace("prod").resource(new SecretBuilder().withNewMetadata().withName("db").endMetadata()
        .withType("Opaque").withData(Map.of("password", b64("s3cret!"))).build()).create();

    ConfigResolver resolver = watches.forPass("prod/web");
    ConfigObject config = resolver.find(Kind.CONFIG_MAP, "prod", "web-config").orElseThrow();
    assertEquals("hello", config.text("greeting").orElseThrow());
    assertArrayEquals(new byte[] {1, 2}, config.value("blob").orElseThrow());
    assertEquals("k8s:prod/web-config", config.file());
    ConfigObject secret = resolver.find(Kind.SECRET, "prod", "db").orElseThrow();
    assertEquals("s3cret!", secret.text("password").orElseThrow());
    assertEquals("Opaque", secret.type());
    assertTrue(secret.sensitive());
    assertFalse(secret.toString().contains("s3cret"), secret.toString());
    assertEquals(Set.of("configmap/prod/web-config", "secret/prod/db"), watches.watched());
  }

  @Test
  void anObjectInAnotherNamespaceIsNotFound() {
    client.configMaps().inNamespace("other").resource(new ConfigMapBuilder().withNewMetadata()
        .withName("web-config").endMetadata().withData(Map.of("k", "v")).build()).create();
    assertTrue(watches.forPass("prod/web").find(Kind.CONFIG_MAP, "prod", "web-config").isEmpty());
  }

  @Test
  void aChangeCreationOrDeletionQueuesThePeaPodsThatUseIt() throws Exception {
    // Missing at first: the watch is there all the same, and sees it come.
    assertTrue(watches.forPass("prod/web").find(Kind.CONFIG_MAP, "prod", "web-config").isEmpty());
    watches.forPass("prod/other").find(Kind.SECRET, "prod", "db");
    // The watches start asynchronously and may report their first list (queueing their own
    // PeaPod) after find() returned: wait until they are quiet, so that what follows is ours.
    while (queued.poll(500, TimeUnit.MILLISECONDS) != null) {
      // settling
    }
    client.configMaps().inNamespace("prod").resource(new ConfigMapBuilder().withNewMetadata().withName("web-config")
        .endMetadata().withData(Map.of("greeting", "hello")).build()).create();
    assertEquals("prod/web", queued.poll(10, TimeUnit.SECONDS));

    client.configMaps().inNamespace("prod").withName("web-config").edit(c -> new ConfigMapBuilder(c)
        .withData(Map.of("greeting", "hi")).build());
    assertEquals("prod/web", queued.poll(10, TimeUnit.SECONDS));
    assertEquals("hi", watches.forPass("prod/web").find(Kind.CONFIG_MAP, "prod", "web-config").orElseThrow()
        .text("greeting").orElseThrow());

    client.configMaps().inNamespace("prod").withName("web-config").delete();
    assertEquals("prod/web", queued.poll(10, TimeUnit.SECONDS));
    Thread.sleep(500); // a deletion may come as two events (deletionTimestamp, then gone)
    List<String> more = new ArrayList<>();
    queued.drainTo(more);
    assertTrue(more.stream().allMatch("prod/web"::equals), "prod/other uses another object: " + more);
  }

  @Test
  void aWatchEndsWhenNoPeaPodRefersToItsObjectAnyMore() {
    watches.forPass("prod/a").find(Kind.CONFIG_MAP, "prod", "shared");
    watches.forPass("prod/b").find(Kind.CONFIG_MAP, "prod", "shared");
    watches.forPass("prod/b").find(Kind.SECRET, "prod", "only-b");
    assertEquals(Set.of("configmap/prod/shared", "secret/prod/only-b"), watches.watched());

    watches.forPass("prod/b"); // b's spec no longer names anything
    assertEquals(Set.of("configmap/prod/shared"), watches.watched(), "a still uses it");
    watches.forget("prod/a");
    assertEquals(Set.of(), watches.watched());
  }
}
