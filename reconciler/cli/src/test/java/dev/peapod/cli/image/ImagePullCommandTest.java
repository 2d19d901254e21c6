package dev.peapod.cli.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.cli.ExitCodes;
import dev.peapod.cli.testing.CliRun;
import dev.peapod.cli.testing.LayoutRegistry;
import dev.peapod.cli.testing.OciLayoutWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code image pull} from a plain-HTTP registry on 127.0.0.1: reachable as it is (loopback), or
 * as {@code $PEAPOD_HOME/registries.yaml} says.
 */
class ImagePullCommandTest {
  @TempDir
  Path home;

  private Path layout;
  private String imageId;

  @BeforeEach
  void writeLayout(@TempDir Path work) throws Exception {
    layout = work.resolve("layout");
    imageId = new OciLayoutWriter().file("bin/app", "app\n").writeTo(layout);
  }

  @Test
  void pullPrintsOneFinalLineWhenNotOnATerminal() throws Exception {
    try (LayoutRegistry registry = new LayoutRegistry(layout)) {
      Files.writeString(home.resolve("registries.yaml"), "registries:\n  " + registry.host() + ":\n    insecure: true\n");
      String reference = registry.host() + "/team/app:1";

      CliRun pull = CliRun.run(home, "image", "pull", reference);

      assertEquals(0, pull.exitCode(), pull::toString);
      assertTrue(pull.out().matches("Pulled " + reference.replace(".", "\\.") + " \\(" + imageId.substring(7, 19)
          + ", [0-9.]+kB\\)\n"), pull::toString);
      assertEquals("", pull.err(), "no progress output when stdout is not a terminal");
      assertEquals(0, CliRun.run(home, "image", "inspect", reference).exitCode());
    }
  }

  @Test
  void pullShowsProgressOnATerminal() throws Exception {
    try (LayoutRegistry registry = new LayoutRegistry(layout)) {
      Files.writeString(home.resolve("registries.yaml"), "registries:\n  " + registry.host() + ":\n    insecure: true\n");
      CliRun pull = CliRun.run(home, Map.of(), true, "image", "pull", registry.host() + "/team/app:1");
      assertEquals(0, pull.exitCode(), pull::toString);
      // Layer lines are redrawn at most every 100 ms, so a local pull may show only the build line.
      assertTrue(pull.err().contains("\r\u001b[2KBuilding root filesystem of " + registry.host() + "/team/app:1 ("),
          pull::toString);
      assertTrue(pull.err().endsWith("\r\u001b[2K"), "the progress line is cleared before the result");
    }
  }

  @Test
  void aLoopbackRegistryNeedsNoConfigurationUnlessRegistriesYamlSaysHttps() throws Exception {
    try (LayoutRegistry registry = new LayoutRegistry(layout)) {
      assertFalse(Files.exists(home.resolve("registries.yaml")));
      CliRun pull = CliRun.run(home, "image", "pull", registry.host() + "/team/app:1");
      assertEquals(0, pull.exitCode(), pull::toString);

      Files.writeString(home.resolve("registries.yaml"), "registries:\n  " + registry.host() + ":\n    insecure: false\n");
      CliRun https = CliRun.run(home, "image", "pull", registry.host() + "/team/app:1");
      assertEquals(ExitCodes.ERROR, https.exitCode(), https::toString);
      assertTrue(https.err().contains("cannot reach registry " + registry.host()), https::toString);
    }
  }

  @Test
  void missingTagIsNotFound() throws Exception {
    try (LayoutRegistry registry = new LayoutRegistry(layout)) {
      Files.writeString(home.resolve("registries.yaml"), "registries:\n  " + registry.host() + ":\n    insecure: true\n");
      CliRun pull = CliRun.run(home, "image", "pull", registry.host() + "/team/app:nosuch");
      assertEquals(ExitCodes.NOT_FOUND, pull.exitCode(), pull::toString);
      assertTrue(pull.err().startsWith("peapod: image \"" + registry.host() + "/team/app:nosuch\": "), pull::toString);
      assertEquals(1, pull.err().lines().count(), pull::toString);
    }
  }
}
