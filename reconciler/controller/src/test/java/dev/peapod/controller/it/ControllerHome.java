package dev.peapod.controller.it;

import dev.peapod.images.ImageStore;
import dev.peapod.images.PullListener;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import dev.peapod.provider.qemu.QemuConfig;
import dev.peapod.provider.qemu.QemuProvider;
import java.io.IOException;
import java.time.Duration;
import java.util.Properties;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A Peapod home for one controller test run: two busybox images loaded into its store (built
 * with scripts/busybox-oci.sh, as the CLI's tests do), a directory source {@code pods} that the
 * tests edit, and the controller pointed at both with short intervals.
 */
public final class ControllerHome implements QuarkusTestResourceLifecycleManager {

  static final Path REPO = Path.of(System.getProperty("peapod.repo", "../..")).toAbsolutePath().normalize();

  static Path home;
  static Path pods;

  @Override
  public Map<String, String> start() {
    try {
      home = Files.createTempDirectory("peapod-controller-it");
      pods = Files.createDirectories(home.resolve("repo/pods"));
      try (ImageStore store = ImageStore.builder(home.resolve("images")).build()) {
        for (String tag : new String[] {"1", "2"}) {
          Path layout = home.resolve("oci-" + tag);
          Process p = new ProcessBuilder(REPO.resolve("scripts/busybox-oci.sh").toString(), layout.toString(), tag,
              "image-" + tag).inheritIO().start();
          if (p.waitFor() != 0) {
            throw new IllegalStateException("busybox-oci.sh failed");
          }
          store.load(layout, "it/bb:" + tag, PullListener.NONE);
        }
      }
      return Map.of(
          "peapod.home", home.toString(),
          "peapod.sources.pods.url", "dir:" + pods,
          "peapod.sources.pods.interval", "3s",
          "peapod.drift-interval", "1s",
          "quarkus.http.domain-socket", home.resolve("peapod.sock").toString());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A provider of the test's home, as {@code ./peapod} would use it: changes made by hand. */
  static QemuProvider provider() {
    Properties properties = new Properties();
    properties.putAll(System.getProperties());
    properties.setProperty("peapod.home", home.toString());
    return new QemuProvider(QemuConfig.fromEnvironment(properties, System.getenv(), true));
  }

  @Override
  public void stop() {
    // The controller leaves VMs running when it stops (by design); the test removes them.
    try (QemuProvider provider = provider()) {
      provider.list().forEach(p -> provider.remove(p.name(), Duration.ZERO));
    } catch (RuntimeException e) {
      System.err.println("controller IT clean-up: " + e.getMessage());
    }
    try (Stream<Path> all = Files.walk(home)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // best effort
    }
  }
}
