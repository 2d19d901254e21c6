package dev.peapod.images.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TempSpaceTest {
  private static final int NOBODY = 65534;

  @TempDir Path tmp;

  @Test
  void removesOnlyWorkOfDeadProcesses() throws IOException {
    TempSpace space = new TempSpace(tmp);
    Path live = space.newDirectory("rootfs");
    Path dead = Files.createDirectories(tmp.resolve("999999999-rootfs-x/usr/bin"));
    Files.writeString(dead.resolve("sh"), "elf");
    assertEquals(1, space.removeAbandoned());
    try (Stream<Path> left = Files.list(tmp)) {
      assertEquals(List.of(live), left.toList());
    }
  }

  /**
   * Peapod may run as an ordinary user, whose staged roots hold directories the image made
   * read-only or even unreadable to their owner: clean-up opens them up before emptying them.
   * Run as uid 65534 in a separate JVM, from a copy of the two classes it needs.
   */
  @Test
  void deletesReadOnlyAndUnreadableDirectoriesAsAnOrdinaryUser() throws Exception {
    Path shared = Files.createTempDirectory(Path.of("/dev/shm"), "peapod-tempspace-test-");
    try {
      Path classes = Files.createDirectories(shared.resolve("classes/dev/peapod/images/store"));
      for (Class<?> type : List.of(TempSpace.class, DeleteTreeProbe.class)) {
        Path dir = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        Files.copy(dir.resolve("dev/peapod/images/store/" + type.getSimpleName() + ".class"),
            classes.resolve(type.getSimpleName() + ".class"));
      }
      Path tree = Files.createDirectories(shared.resolve("work/rootfs/usr/lib/private"));
      Files.writeString(tree.resolve("key"), "k");
      Files.writeString(shared.resolve("work/rootfs/usr/lib/libc.so"), "elf");
      Files.createSymbolicLink(shared.resolve("work/rootfs/lib"), Path.of("usr/lib"));
      try (Stream<Path> all = Files.walk(shared)) {
        for (Path p : (Iterable<Path>) all::iterator) {
          Files.setAttribute(p, "unix:uid", NOBODY, java.nio.file.LinkOption.NOFOLLOW_LINKS);
          Files.setAttribute(p, "unix:gid", NOBODY, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        }
      }
      Files.setAttribute(tree, "unix:mode", 0); // no read, no search, no write for its owner
      Files.setAttribute(shared.resolve("work/rootfs/usr/lib"), "unix:mode", 0555);
      Files.setAttribute(shared.resolve("work/rootfs/usr"), "unix:mode", 0500);

      Process process = new ProcessBuilder("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups",
          Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", shared.resolve("classes").toString(),
          DeleteTreeProbe.class.getName(), shared.resolve("work/rootfs").toString())
          .redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(process.waitFor(60, TimeUnit.SECONDS), output);
      assertEquals(0, process.exitValue(), output);
      assertFalse(Files.exists(shared.resolve("work/rootfs"), java.nio.file.LinkOption.NOFOLLOW_LINKS), output);
    } finally {
      TempSpace.deleteTree(shared);
    }
  }
}
