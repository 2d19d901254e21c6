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
      loadBusybox(home, "1", "2");
      return Map.of(
          "peapod.home", home.toString(),
          "peapod.sources.pods.url", "dir:" + pods,
          "peapod.sources.pods.interval", "3s",
          // Far longer than any test: what the tests see repaired (a killed QEMU, a pod removed or
          // stopped by hand) is repaired on the provider's events, not by the periodic drift check.
          "peapod.drift-interval", "10m",
          "quarkus.http.domain-socket", home.resolve("peapod.sock").toString());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Busybox images {@code it/bb:TAG} built by scripts/busybox-oci.sh and loaded into {@code home}'s store. */
  static void loadBusybox(Path home, String... tags) throws IOException, InterruptedException {
    try (ImageStore store = ImageStore.builder(home.resolve("images")).build()) {
      for (String tag : tags) {
        Path layout = home.resolve("oci-" + tag);
        Process p = new ProcessBuilder(REPO.resolve("scripts/busybox-oci.sh").toString(), layout.toString(), tag,
            "image-" + tag).inheritIO().start();
        if (p.waitFor() != 0) {
          throw new IllegalStateException("busybox-oci.sh failed");
        }
        store.load(layout, "it/bb:" + tag, PullListener.NONE);
      }
    }
  }

  /** A provider of the test's home, as {@code ./peapod} would use it: changes made by hand. */
  static QemuProvider provider() {
    return provider(home);
  }

  static QemuProvider provider(Path home) {
    Properties properties = new Properties();
    properties.putAll(System.getProperties());
    properties.setProperty("peapod.home", home.toString());
    return new QemuProvider(QemuConfig.fromEnvironment(properties, System.getenv(), true));
  }

  @Override
  public void stop() {
    removeAll(home);
  }

  /**
   * Removes every pod of {@code home} (a controller leaves VMs running when it stops, by design;
   * a test does not) and then the directory.
   */
  static void removeAll(Path home) {
    try (QemuProvider provider = provider(home)) {
      provider.list().forEach(p -> provider.remove(p.name(), Duration.ZERO));
    } catch (RuntimeException e) {
      System.err.println("controller IT clean-up of " + home + ": " + e.getMessage());
    }
    killProcessesOf(home);
    try (Stream<Path> all = Files.walk(home)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // best effort
    }
  }

  /**
   * Ends what this home's commands left running: its run server and keepers ({@code PEAPOD_HOME} in their
   * environment), then whatever runs from its directories, such as a pool VM the run server's pool thread was
   * restoring into {@code pool/KEY/.ID.new} when it was stopped, with its helpers. Left running, each test left
   * one QEMU behind in a deleted home, where no keeper would ever sweep it.
   */
  static void killProcessesOf(Path home) {
    long self = ProcessHandle.current().pid();
    String environ = "PEAPOD_HOME=" + home;
    String under = home + "/";
    java.util.function.Predicate<ProcessHandle> servesHome = p -> read(p, "environ").stream().anyMatch(environ::equals);
    java.util.function.Predicate<ProcessHandle> runsFromHome = p -> read(p, "cmdline").stream()
        .anyMatch(arg -> arg.contains(under));
    for (java.util.function.Predicate<ProcessHandle> which : java.util.List.of(servesHome, runsFromHome)) {
      java.util.List<ProcessHandle> found = ProcessHandle.allProcesses().filter(p -> p.pid() != self).filter(which)
          .toList();
      found.forEach(ProcessHandle::destroyForcibly);
      for (ProcessHandle p : found) {
        p.onExit().completeOnTimeout(p, 10, java.util.concurrent.TimeUnit.SECONDS).join();
      }
    }
  }

  /** {@code /proc/PID/NAME}'s NUL-separated words; none if the process ended or is not readable. */
  private static java.util.List<String> read(ProcessHandle p, String name) {
    try {
      return java.util.List.of(new String(Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), name)),
          java.nio.charset.StandardCharsets.UTF_8).split("\0"));
    } catch (IOException | RuntimeException e) {
      return java.util.List.of();
    }
  }
}
