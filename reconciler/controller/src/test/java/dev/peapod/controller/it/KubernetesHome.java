package dev.peapod.controller.it;

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
import java.util.HashMap;
import java.util.Map;

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
      ControllerHome.loadBusybox(home, "1");
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
    return ControllerHome.provider(home);
  }

  @Override
  public void stop() {
    ControllerHome.removeAll(home);
    client.close();
    server.destroy();
  }
}
