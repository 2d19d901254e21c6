package dev.peapod.controller.it;

import dev.peapod.images.ImageStore;
import dev.peapod.images.PullListener;
import dev.peapod.provider.qemu.QemuConfig;
import dev.peapod.provider.qemu.QemuProvider;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.MockWebServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * {@code peapod serve --source k8s:node-a} against fabric8's mock API server (CRUD mode, the
 * chart's CRD in it), reached as the Kubernetes client finds a cluster (here through the
 * {@code kubernetes.*} system properties), and a home with the busybox image {@code it/bb:1}.
 */
public final class KubernetesHome implements QuarkusTestResourceLifecycleManager {

  static KubernetesMockServer server;
  static KubernetesClient client;
  static Path home;

  @Override
  public Map<String, String> start() {
    try {
      server = new KubernetesMockServer(new io.fabric8.mockwebserver.Context(), new MockWebServer(), new HashMap<>(),
          new KubernetesCrudDispatcher(), false);
      server.init();
      client = server.createClient();
      try (InputStream crd = new FileInputStream(ControllerHome.REPO
          .resolve("charts/peapod/crds/peapods.peapod.dev-v1.yml").toFile())) {
        client.apiextensions().v1().customResourceDefinitions()
            .resource(client.getKubernetesSerialization().unmarshal(crd, CustomResourceDefinition.class)).create();
      }
      System.setProperty("kubernetes.master", client.getConfiguration().getMasterUrl());
      System.setProperty("kubernetes.auth.tryKubeConfig", "false");
      System.setProperty("kubernetes.auth.tryServiceAccount", "false");
      System.setProperty("kubernetes.namespace", "default");
      home = Files.createTempDirectory("peapod-controller-k8s-it");
      try (ImageStore store = ImageStore.builder(home.resolve("images")).build()) {
        Path layout = home.resolve("oci-1");
        Process p = new ProcessBuilder(ControllerHome.REPO.resolve("scripts/busybox-oci.sh").toString(),
            layout.toString(), "1", "image-1").inheritIO().start();
        if (p.waitFor() != 0) {
          throw new IllegalStateException("busybox-oci.sh failed");
        }
        store.load(layout, "it/bb:1", PullListener.NONE);
      }
      return Map.of(
          "peapod.home", home.toString(),
          "peapod.sources.k8s.url", "k8s:node-a",
          "peapod.sources.k8s.interval", "2s",
          "quarkus.http.domain-socket", home.resolve("peapod.sock").toString());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static QemuProvider provider() {
    Properties properties = new Properties();
    properties.putAll(System.getProperties());
    properties.setProperty("peapod.home", home.toString());
    return new QemuProvider(QemuConfig.fromEnvironment(properties, System.getenv(), true));
  }

  @Override
  public void stop() {
    try (QemuProvider provider = provider()) {
      provider.list().forEach(p -> provider.remove(p.name(), Duration.ZERO));
    } catch (RuntimeException e) {
      System.err.println("controller k8s IT clean-up: " + e.getMessage());
    }
    client.close();
    server.destroy();
    try (Stream<Path> all = Files.walk(home)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // best effort
    }
  }
}
