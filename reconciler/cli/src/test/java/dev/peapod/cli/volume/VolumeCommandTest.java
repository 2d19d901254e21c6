package dev.peapod.cli.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.cli.testing.CliRun;
import dev.peapod.engine.spec.PersistentVolumes;
import dev.peapod.manifest.model.ClaimDecl;
import dev.peapod.manifest.model.Quantity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code peapod volume ls|rm} over claims made as a pod's first use makes them. */
class VolumeCommandTest {
  @TempDir
  Path home;

  @Test
  void listsAndRemovesClaims() throws Exception {
    PersistentVolumes volumes = new PersistentVolumes(home);
    Path site = volumes.ensure("shop", "site", Optional.of(new ClaimDecl("shop", "site",
        Optional.of(Quantity.parse("1Gi")), List.of("ReadWriteOnce"))));
    Files.writeString(site.resolve("index.html"), "hello");
    volumes.ensure("default", "cache", Optional.empty());

    CliRun ls = CliRun.run(home, "volume", "ls");
    assertEquals(0, ls.exitCode(), ls::toString);
    assertEquals(List.of(
        "NAMESPACE   CLAIM   SIZE   USED   ACCESS          PODS   PATH",
        "default     cache   -      0 B    -                      " + home.resolve("volumes/default/cache"),
        "shop        site    1Gi    5 B    ReadWriteOnce          " + home.resolve("volumes/shop/site")),
        ls.out().lines().map(String::stripTrailing).toList());

    CliRun missing = CliRun.run(home, "volume", "rm", "nothing", "shop/site");
    assertEquals(3, missing.exitCode(), missing::toString);
    assertEquals("peapod: no such volume claim: default/nothing\n", missing.err());
    assertEquals("Deleted: shop/site\n", missing.out());
    assertFalse(Files.exists(site));

    CliRun escape = CliRun.run(home, "volume", "rm", "../..");
    assertEquals(3, escape.exitCode(), escape::toString);
    assertTrue(escape.err().contains("is not a DNS-1123 label"), escape::toString);
    assertTrue(Files.isDirectory(home.resolve("volumes/default/cache")));

    assertEquals("Deleted: default/cache\n", CliRun.run(home, "volume", "rm", "cache").out());
    assertEquals("[ ]\n", CliRun.run(home, "volume", "ls", "-o", "json").out().replace("[]", "[ ]"));
  }
}
