package dev.peapod.kubernetes;

import dev.peapod.engine.Engine;
import dev.peapod.images.ImageStore;
import dev.peapod.images.PullListener;
import dev.peapod.provider.qemu.QemuConfig;
import dev.peapod.provider.qemu.QemuProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * A node's Peapod home for the agent tests: its own state directory with two busybox images
 * ({@code it/bb:1}, {@code it/bb:2}, built by scripts/busybox-oci.sh as the CLI's and the
 * controller's tests build them), and engines over real QEMU VMs.
 */
final class AgentHome implements AutoCloseable {

  static final Path REPO = Path.of(System.getProperty("peapod.repo", "../..")).toAbsolutePath().normalize();

  final Path home;
  final QemuConfig qemu;
  final ImageStore images;

  AgentHome(String node) throws IOException, InterruptedException {
    home = Files.createTempDirectory("peapod-agent-" + node);
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
    Properties properties = new Properties();
    properties.putAll(System.getProperties());
    properties.setProperty("peapod.home", home.toString());
    qemu = QemuConfig.fromEnvironment(properties, System.getenv(), true);
    images = ImageStore.builder(home.resolve("images")).build();
  }

  Engine engine() {
    return Engine.withSharedImages(new QemuProvider(qemu), home, images, Engine.fileLocks(home, "peapod agent"),
        Clock.systemUTC());
  }

  /** A provider of this home, as {@code ./peapod} would use it. */
  QemuProvider provider() {
    return new QemuProvider(qemu);
  }

  @Override
  public void close() {
    try (QemuProvider provider = provider()) {
      provider.list().forEach(p -> provider.remove(p.name(), Duration.ZERO));
    } catch (RuntimeException e) {
      System.err.println("agent test clean-up: " + e.getMessage());
    }
    images.close();
    try (Stream<Path> all = Files.walk(home)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // best effort
    }
  }
}
