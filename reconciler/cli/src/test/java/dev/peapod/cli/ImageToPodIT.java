package dev.peapod.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.images.ImageStore;
import dev.peapod.images.PullListener;
import dev.peapod.images.StoredImage;
import dev.peapod.images.config.ContainerDefaults;
import dev.peapod.images.config.ContainerOverrides;
import dev.peapod.images.config.ProcessDefaults;
import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.ExecSession;
import dev.peapod.provider.ExecSpec;
import dev.peapod.provider.ImageRootfs;
import dev.peapod.provider.LogQuery;
import dev.peapod.provider.LogRecord;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.PodStatus;
import dev.peapod.provider.RestartPolicy;
import dev.peapod.provider.qemu.QemuConfig;
import dev.peapod.provider.qemu.QemuProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The path from an OCI image to a running pod: a layout built locally with umoci
 * is loaded into the image store, its config becomes the container defaults by
 * Docker's and Kubernetes' rules, and a real VM boots two containers from the
 * one erofs image the store built.
 */
class ImageToPodIT {

  private static final Path REPO = Path.of(System.getProperty("peapod.repo", "../.."));

  @TempDir Path home;

  @Test
  void aLoadedImageBootsAsAPodWithItsConfigAsDefaults() throws Exception {
    Path layout = home.resolve("oci");
    run(REPO.resolve("scripts/busybox-oci.sh").toString(), layout.toString(), "1", "from-the-store",
        "--", "--config.entrypoint=sh", "--config.entrypoint=-c",
        "--config.cmd=echo started-from-image-cmd; exec sleep 1000",
        "--config.env=GREETING=hello", "--config.workingdir=/home/app");

    try (ImageStore store = ImageStore.builder(home.resolve("images")).build();
        QemuProvider provider = new QemuProvider(QemuConfig.fromEnvironment().withStateDir(home.resolve("state")))) {
      StoredImage image = store.load(layout, "it/busybox:1", PullListener.NONE).get(0);
      StoredImage again = store.load(layout, "it/busybox:1", PullListener.NONE).get(0);
      assertEquals(image.rootfs(), again.rootfs(), "a second load reuses the built rootfs");
      assertEquals(image.built(), again.built(), "a second load builds nothing");

      ImageRootfs rootfs = new ImageRootfs(image.id().toString(), image.rootfs());
      ProcessDefaults fromImage = ContainerDefaults.apply(image.config(), ContainerOverrides.none(), "main");
      ProcessDefaults overridden = ContainerDefaults.apply(image.config(),
          ContainerOverrides.none().withCommand(List.of("sleep")).withArgs(List.of("2000")), "side");
      assertEquals(List.of("sh", "-c", "echo started-from-image-cmd; exec sleep 1000"), fromImage.argv());
      assertEquals(List.of("sleep", "2000"), overridden.argv());

      PodSpec spec = PodSpec.of("from-store", List.of(
              container("main", rootfs, fromImage), container("side", rootfs, overridden)))
          .withTerminationGracePeriod(Duration.ZERO);
      provider.create(spec);
      try {
        PodStatus status = provider.start("from-store");
        assertEquals(2, status.containers().size(), status::toString);

        assertEquals("from-the-store\n", exec(provider, "side", "cat /etc/image-marker"));
        assertEquals("hello /home/app\n", exec(provider, "main", "echo $GREETING $(pwd)"));
        awaitLog(provider, "main", "started-from-image-cmd");
      } finally {
        provider.remove("from-store", Duration.ZERO);
      }
    }
  }

  private static ContainerSpec container(String name, ImageRootfs rootfs, ProcessDefaults defaults) {
    return new ContainerSpec(name, rootfs, defaults.argv(), defaults.env(), defaults.workingDir(),
        defaults.user(), RestartPolicy.NEVER, null);
  }

  private static String exec(QemuProvider provider, String container, String script) throws IOException {
    try (ExecSession session = provider.exec("from-store", ExecSpec.of(container, "sh", "-c", script))) {
      session.stdin().close();
      String out = new String(session.stdout().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(0, session.waitFor(Duration.ofSeconds(30)).orElse(-1), out);
      return out;
    }
  }

  private static void awaitLog(QemuProvider provider, String container, String text) throws InterruptedException {
    String seen = "";
    for (int i = 0; i < 100 && !seen.contains(text); i++) {
      try (Stream<LogRecord> logs = provider.logs("from-store", LogQuery.of(container))) {
        seen = logs.map(LogRecord::text).collect(Collectors.joining());
      }
      Thread.sleep(100);
    }
    assertTrue(seen.contains(text), "log of " + container + ": " + seen);
  }

  private static void run(String... argv) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), String.join(" ", argv) + "\n" + out);
  }
}
