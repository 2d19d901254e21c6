package dev.peapod.controller.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * File and git modes never load the Kubernetes client: {@code peapod serve} (the packaged
 * application, in its own JVM logging every class it loads) with a directory source loads no
 * {@code io.fabric8} class; with a {@code k8s:} source it does (so the check can see them).
 */
class ServeClassLoadingIT {

  private static final Path APP = Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath();

  private static List<String> loadedClasses(String source) throws IOException, InterruptedException {
    Path home = Files.createTempDirectory("peapod-serve-classes");
    Path pods = Files.createDirectories(home.resolve("pods"));
    Path log = home.resolve("classes.log");
    Path out = home.resolve("out.log");
    String url = source.equals("dir") ? "dir:" + pods : "k8s:node-a";
    Process serve = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xlog:class+load=info:file=" + log, "-Dpeapod.home=" + home, "-Dpeapod.sources.x.url=" + url,
        "-Dkubernetes.master=http://127.0.0.1:1", "-Dkubernetes.auth.tryKubeConfig=false",
        "-Dkubernetes.auth.tryServiceAccount=false",
        "-Dquarkus.http.domain-socket=" + home.resolve("peapod.sock"), "-jar", APP.toString())
        .redirectErrorStream(true).redirectOutput(out.toFile()).start();
    try {
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!Files.readString(out, StandardCharsets.UTF_8).contains("controller started")) {
        if (System.nanoTime() > deadline || !serve.isAlive()) {
          throw new AssertionError("peapod serve did not start: " + Files.readString(out, StandardCharsets.UTF_8));
        }
        Thread.sleep(100);
      }
      Thread.sleep(1000); // what the first source reads load
      return Files.readAllLines(log, StandardCharsets.UTF_8);
    } finally {
      serve.destroy();
      serve.waitFor();
      try (var all = Files.walk(home)) {
        all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  void aDirectorySourceLoadsNoKubernetesClass() throws Exception {
    List<String> classes = loadedClasses("dir");
    assertTrue(classes.stream().anyMatch(l -> l.contains("dev.peapod.controller.loop.PeapodController")),
        "the log lists the controller's classes");
    assertFalse(classes.stream().anyMatch(l -> l.contains("io.fabric8.")),
        classes.stream().filter(l -> l.contains("io.fabric8.")).limit(5).toList().toString());
    assertFalse(classes.stream().anyMatch(l -> l.contains("dev.peapod.kubernetes.")));
  }

  @Test
  void aKubernetesSourceLoadsTheClient() throws Exception {
    List<String> classes = loadedClasses("k8s");
    assertTrue(classes.stream().anyMatch(l -> l.contains("io.fabric8.kubernetes.client.KubernetesClient ")),
        "the k8s: source loads the client");
  }
}
