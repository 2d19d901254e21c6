package dev.peapod.provider.qemu.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VmUsersTest {

  @TempDir
  Path tmp;

  @Test
  void concurrentAllocationsGetDistinctUidsEachWithItsOwnDirectories() throws Exception {
    assertTrue(isRoot(), "VM users are made only when Peapod runs as root, and the tests run as root");
    VmUsers users = VmUsers.parse("1990000000-1990000099", tmp.resolve("vm"));
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<VmUsers.VmUser>> futures = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      Path pod = tmp.resolve("pods/p" + i);
      futures.add(pool.submit(() -> users.allocate(pod)));
    }
    Set<Integer> uids = new HashSet<>();
    for (Future<VmUsers.VmUser> f : futures) {
      VmUsers.VmUser user = f.get();
      assertTrue(uids.add(user.uid()), "uid " + user.uid() + " given twice");
      assertTrue(users.owns(user.uid()));
      assertEquals(user.uid(), Files.getAttribute(user.qemuDir(), "unix:uid", LinkOption.NOFOLLOW_LINKS));
      assertEquals("rwx------", mode(user.qemuDir()));
      assertEquals(0, Files.getAttribute(user.runDir(), "unix:uid", LinkOption.NOFOLLOW_LINKS));
      assertEquals(user.uid(), Files.getAttribute(user.runDir(), "unix:gid", LinkOption.NOFOLLOW_LINKS));
      assertEquals("rwxr-x---", mode(user.runDir()));
    }
    pool.shutdown();
    assertEquals(24, uids.size());
    assertFalse(uids.contains(1990000000), "the first id is the VM group, never a VM's uid");
    assertEquals("rwx--x--x", mode(users.runRoot()));
  }

  @Test
  void aFreedUidIsGivenAgainAndItsPodDirectoryIsNamed() throws IOException {
    assertTrue(isRoot(), "VM users are made only when Peapod runs as root, and the tests run as root");
    VmUsers users = VmUsers.parse("1990000000-1990000099", tmp.resolve("vm"));
    VmUsers.VmUser first = users.allocate(tmp.resolve("pods/web"));
    assertEquals(Path.of(tmp.resolve("pods/web").toString()),
        VmUsers.launchedIn(first.qemuDir().resolve("qemu.pid")).orElseThrow());
    VmUsers.VmUser second = users.allocate(tmp.resolve("pods/db"));
    assertTrue(second.uid() != first.uid());
    users.free(first);
    assertFalse(Files.exists(first.runDir()));
    assertEquals(first.uid(), users.allocate(tmp.resolve("pods/api")).uid());
  }

  @Test
  void aStaleClaimIsSweptAndAFreshOneIsNot() throws IOException {
    assertTrue(isRoot(), "VM users are made only when Peapod runs as root, and the tests run as root");
    VmUsers users = VmUsers.parse("1990000000-1990000002", tmp.resolve("vm"));
    VmUsers.VmUser a = users.allocate(tmp.resolve("pods/a"));
    VmUsers.VmUser b = users.allocate(tmp.resolve("pods/b"));
    IOException full = assertThrows(IOException.class, () -> users.allocate(tmp.resolve("pods/c")));
    assertTrue(full.getMessage().contains("every VM uid of 1990000001-1990000002 is in use"), full.getMessage());
    // a's VM was launched and killed without Peapod long ago: no process runs as its uid
    users.launched(a);
    age(a);
    assertEquals(a.uid(), users.allocate(tmp.resolve("pods/c")).uid());
    assertTrue(Files.exists(b.runDir()));
  }

  @Test
  void theSweepLeavesASlowStartAloneAndTakesADeadOnes() throws Exception {
    assertTrue(isRoot(), "VM users are made only when Peapod runs as root, and the tests run as root");
    VmUsers users = VmUsers.parse("1990000000-1990000001", tmp.resolve("vm"));
    // A start still copying a big image, past the grace: no process of its uid runs yet, but its own does.
    VmUsers.VmUser slow = users.allocate(tmp.resolve("pods/big"));
    age(slow);
    IOException full = assertThrows(IOException.class, () -> users.allocate(tmp.resolve("pods/other")));
    assertTrue(full.getMessage().contains("in use"), full.getMessage());
    assertTrue(Files.exists(slow.runDir()), "the sweep freed the uid of a start still under way");
    // The same claim once the process that made it is gone (a start killed with -9): swept.
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    Files.writeString(slow.runDir().resolve(VmUsers.CLAIM_FILE), slow.claim() + " " + gone.pid() + " 1\n");
    age(slow);
    assertEquals(slow.uid(), users.allocate(tmp.resolve("pods/other")).uid());
  }

  @Test
  void anOldVmsStopFreesNoClaimMadeSince() throws IOException {
    assertTrue(isRoot(), "VM users are made only when Peapod runs as root, and the tests run as root");
    VmUsers users = VmUsers.parse("1990000000-1990000001", tmp.resolve("vm"));
    VmUsers.VmUser old = users.allocate(tmp.resolve("pods/web"));
    users.launched(old);
    // Its QEMU was killed without Peapod (and removed its pid file, as QEMU does); the sweep freed the uid, and
    // a new start of the same pod claimed it and is still copying its image: no QEMU of it runs yet.
    age(old);
    VmUsers.VmUser fresh = users.allocate(tmp.resolve("pods/web"));
    assertEquals(old.uid(), fresh.uid());
    // The old VM's record is stopped now: by its token, and as an older Peapod's record without one.
    users.free(users.user(old.uid(), old.claim()), 4242);
    assertTrue(Files.exists(fresh.runDir()), "the old VM's stop freed the claim made since, by its token");
    users.free(users.user(old.uid()), 4242);
    assertTrue(Files.exists(fresh.runDir()), "the old VM's stop freed the claim made since");
    assertTrue(users.stillClaimed(fresh));
    users.free(fresh);
    assertFalse(Files.exists(fresh.runDir()));
  }

  private static void age(VmUsers.VmUser user) throws IOException {
    Files.setLastModifiedTime(user.runDir(), FileTime.from(Instant.now().minus(VmUsers.CLAIM_GRACE.multipliedBy(2))));
  }

  @Test
  void rangesAreCheckedAndTheFirstIdIsTheGroup() {
    assertThrows(IllegalArgumentException.class, () -> VmUsers.parse("10-20", tmp));
    assertThrows(IllegalArgumentException.class, () -> VmUsers.parse("2000000000", tmp));
    assertThrows(IllegalArgumentException.class, () -> VmUsers.parse("2000000005-2000000005", tmp));
    VmUsers users = VmUsers.parse("3000000000-3000000010", tmp);
    assertEquals("3000000000", Integer.toUnsignedString(users.group()));
    assertFalse(users.owns(users.group()));
    assertTrue(users.owns(Integer.parseUnsignedInt("3000000010")));
    assertEquals(List.of("setpriv", "--reuid=3000000001", "--regid=3000000001", "--groups=3000000000",
        "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"),
        users.user(Integer.parseUnsignedInt("3000000001")).setpriv());
  }

  private static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
  }

  private static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  /**
   * The abandoned-pool sweep counts a home gone only on "no such file": Files.exists was false on any error too
   * (EACCES, EIO, ESTALE; here ENOTDIR), and a pool VM's home that could not be read was taken for deleted.
   */
  @Test
  void onlyNoSuchFileCountsAsGone(@TempDir Path tmp) throws IOException {
    assertTrue(VmUsers.noSuchFile(tmp.resolve("gone")));
    Path file = Files.createFile(tmp.resolve("file"));
    assertFalse(VmUsers.noSuchFile(file.resolve("under-a-file")), "ENOTDIR is not an answer");
    assertFalse(VmUsers.noSuchFile(tmp));
    Files.createSymbolicLink(tmp.resolve("dangling"), tmp.resolve("gone"));
    assertFalse(VmUsers.noSuchFile(tmp.resolve("dangling")), "the link itself is there");
    assertEquals(java.util.Optional.of(tmp.resolve("home")),
        VmUsers.poolHome(tmp.resolve("home/pool/KEY/.1.new")));
    assertTrue(VmUsers.poolHome(tmp.resolve("home/pods/p")).isEmpty(), "a pod directory is never swept");
  }
}
