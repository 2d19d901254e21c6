package dev.peapod.images.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.images.store.StagingArea;
import dev.peapod.images.store.TempSpace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Another local user prepares the tmpfs staging directory before Peapod (running as root)
 * does, or plants symlinks in it, to redirect root's unpacking and clean-up writes. Each
 * test runs against its own tmpfs directory standing in for {@code /dev/shm}, and checks
 * that the attacker's directory is not used and that what the links point at is untouched.
 */
class StagingAttackTest {
  /** No process has this PID (Linux allows at most 2^22), so its staged work counts as abandoned. */
  private static final String DEAD_OWNER = "999999999";

  @TempDir Path tmp;
  Path shm;
  Path outside;
  TempSpace disk;
  int uid;
  Map<String, String> before;

  @BeforeEach
  void setUp() throws IOException {
    shm = Files.createTempDirectory(Path.of("/dev/shm"), "peapod-staging-test-");
    outside = Files.createDirectory(tmp.resolve("outside"));
    Files.createDirectory(outside.resolve("dir"));
    Files.writeString(outside.resolve("secret"), "host secret");
    Files.writeString(outside.resolve("dir/file"), "host file");
    Files.setAttribute(outside.resolve("dir"), "unix:mode", 0500);
    disk = new TempSpace(Files.createDirectory(tmp.resolve("store-tmp")));
    uid = (Integer) Files.getAttribute(tmp, "unix:uid");
    before = snapshot(outside);
  }

  @AfterEach
  void tearDown() throws IOException {
    try {
      assertEquals(before, snapshot(outside), "what the attacker's links point at changed");
    } finally {
      Files.setAttribute(outside.resolve("dir"), "unix:mode", 0700);
      TempSpace.deleteTree(shm);
    }
  }

  @Test
  void stagingDirectoryPreparedByAnotherUser() throws IOException {
    Path planted = Files.createDirectory(shm.resolve("peapod-images-" + uid));
    Files.setAttribute(planted, "unix:mode", 0777);
    Files.setAttribute(planted, "unix:uid", 65534);
    Files.setAttribute(planted, "unix:gid", 65534);

    StagingArea staging = StagingArea.preferMemory(disk, shm, uid);

    assertTrue(staging.notice().orElseThrow().contains("owned by uid 65534, not " + uid), staging.notice().get());
    assertTrue(staging.newRoot(1).startsWith(disk.directory()), "staged on disk, not in the attacker's directory");
    assertEquals(List.of(), list(planted));
  }

  @Test
  void stagingDirectoryOfOursThatOthersCanWrite() throws IOException {
    Path planted = Files.createDirectory(shm.resolve("peapod-images-" + uid));
    Files.setAttribute(planted, "unix:mode", 01777);

    StagingArea staging = StagingArea.preferMemory(disk, shm, uid);

    assertTrue(staging.notice().orElseThrow().contains("mode is 1777, not 0700"), staging.notice().get());
    assertTrue(staging.newRoot(1).startsWith(disk.directory()));
  }

  @Test
  void stagingDirectoryThatIsASymlink() throws IOException {
    Files.createSymbolicLink(shm.resolve("peapod-images-" + uid), outside);

    StagingArea staging = StagingArea.preferMemory(disk, shm, uid);

    assertTrue(staging.notice().orElseThrow().contains("it is a symlink"), staging.notice().get());
    assertTrue(staging.newRoot(1).startsWith(disk.directory()));
  }

  @Test
  void freshStagingDirectoryIsPrivate() throws IOException {
    StagingArea staging = StagingArea.preferMemory(disk, shm, uid);

    Path dir = shm.resolve("peapod-images-" + uid);
    assertTrue(staging.notice().isEmpty(), staging.notice().orElse(""));
    assertEquals(040700, Files.getAttribute(dir, "unix:mode", LinkOption.NOFOLLOW_LINKS));
    assertTrue(staging.newRoot(1).startsWith(dir));
  }

  @Test
  void symlinksPlantedInAbandonedStagingAreRemovedNotFollowed() throws IOException {
    Path dir = Files.createDirectory(shm.resolve("peapod-images-" + uid));
    Files.setAttribute(dir, "unix:mode", 0700);
    Path work = Files.createDirectory(dir.resolve(DEAD_OWNER + "-rootfs-a"));
    Files.createSymbolicLink(work.resolve("abs"), outside);
    Files.createSymbolicLink(work.resolve("rel"), work.relativize(outside));
    Files.createDirectories(work.resolve("usr/lib"));
    Files.createSymbolicLink(work.resolve("usr/lib/secret"), outside.resolve("secret"));
    Files.createSymbolicLink(work.resolve("usr/lib/dir"), outside.resolve("dir"));
    Files.setAttribute(work.resolve("usr"), "unix:mode", 0555);
    Files.createSymbolicLink(dir.resolve(DEAD_OWNER + "-rootfs-b"), outside);

    StagingArea.preferMemory(disk, shm, uid);

    assertEquals(List.of(), list(dir), "abandoned work and the links in it are gone");
  }

  /** What crashed builds left in the old shared directory goes; another user's old directory is not ours to touch. */
  @Test
  void oldSharedStagingDirectoryIsEmptiedOnlyIfOurs() throws IOException {
    Path legacy = Files.createDirectories(shm.resolve("peapod-images/" + DEAD_OWNER + "-rootfs-a/usr/bin"));
    Files.createSymbolicLink(legacy.resolve("escape"), outside);
    StagingArea.preferMemory(disk, shm, uid);
    assertEquals(List.of(), list(shm.resolve("peapod-images")), "abandoned work in the old shared directory is gone");

    Path foreign = Files.createDirectories(shm.resolve("peapod-images/" + DEAD_OWNER + "-rootfs-b"));
    Files.setAttribute(foreign.getParent(), "unix:uid", 65534);
    StagingArea.preferMemory(disk, shm, uid);
    assertTrue(Files.isDirectory(foreign), "someone else's directory is left alone");
  }

  /**
   * While the clean-up runs, a racing writer keeps swapping a staged directory for a symlink
   * to a directory of files with the same names: a walk that resolves whole paths again
   * deletes (or chmods) through the link.
   */
  @Test
  void directorySwappedForASymlinkDuringCleanup() throws Exception {
    List<String> names = new java.util.ArrayList<>();
    for (int i = 0; i < 300; i++) {
      names.add("f" + i);
    }
    Path decoy = Files.createDirectory(outside.resolve("decoy"));
    for (String name : names) {
      Files.writeString(decoy.resolve(name), "host " + name);
    }
    before = snapshot(outside);
    for (int round = 0; round < 40; round++) {
      Path work = Files.createDirectory(shm.resolve(DEAD_OWNER + "-rootfs-" + round));
      Path victim = Files.createDirectory(work.resolve("d"));
      for (String name : names) {
        Files.writeString(victim.resolve(name), "staged");
      }
      AtomicBoolean done = new AtomicBoolean();
      Thread attacker = new Thread(() -> {
        Path aside = work.resolve("d.aside");
        while (!done.get()) {
          try {
            Files.move(victim, aside);
            Files.createSymbolicLink(victim, decoy);
            Thread.onSpinWait();
            Files.delete(victim);
            Files.move(aside, victim);
          } catch (IOException e) {
            // the clean-up got there first; keep trying while it runs
          }
        }
      });
      attacker.start();
      try {
        TempSpace.deleteTree(work);
      } catch (IOException | java.io.UncheckedIOException e) {
        // a racing writer may make the clean-up fail; it must never reach outside
      } finally {
        done.set(true);
        attacker.join();
      }
      assertEquals(before, snapshot(outside), "round " + round);
      TempSpace.deleteTree(work);
    }
  }

  private static List<String> list(Path dir) throws IOException {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static Map<String, String> snapshot(Path dir) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        String what = Integer.toOctalString((Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS));
        if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          what += " " + Files.readString(p);
        }
        out.put(dir.relativize(p).toString(), what);
      }
    }
    return out;
  }
}
