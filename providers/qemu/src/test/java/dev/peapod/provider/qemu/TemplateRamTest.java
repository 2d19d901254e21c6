package dev.peapod.provider.qemu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where restored VMs get their RAM: one copy-on-write ramfs file per template, really mounted
 * (the tests run as root, like Peapod), or a copy each when there can be no ramfs.
 */
class TemplateRamTest {

  @TempDir
  Path dir;
  private Path ramfs;
  private Path shm;
  private Template template;

  @BeforeEach
  void setUp() throws Exception {
    ramfs = dir.resolve("ramfs");
    shm = Files.createDirectories(dir.resolve("shm"));
    template = template("t1", 1);
  }

  @AfterEach
  void unmount() throws Exception {
    if (Files.isDirectory(holders())) {
      try (Stream<Path> records = Files.list(holders())) {
        records.filter(r -> r.toString().endsWith(".holder")).forEach(r -> holder(r).ifPresent(ProcessHandle::destroy));
      }
    }
    if (TemplateRam.isRamfs(ramfs)) {
      Process umount = new ProcessBuilder("umount", ramfs.toString()).inheritIO().start();
      assertEquals(0, umount.waitFor(), "umount " + ramfs);
    }
  }

  /** A template directory with a sparse 64 MiB RAM file holding {@code marker} at two offsets. */
  private Template template(String key, int marker) throws IOException {
    Path t = Files.createDirectories(dir.resolve("templates").resolve(key));
    try (RandomAccessFile ram = new RandomAccessFile(t.resolve("ram").toFile(), "rw")) {
      ram.setLength(64L << 20);
      ram.seek(4096);
      ram.write(("page one " + marker).getBytes(StandardCharsets.UTF_8));
      ram.seek(40L << 20);
      ram.write(("page two " + marker).getBytes(StandardCharsets.UTF_8));
    }
    Files.writeString(t.resolve("state"), "QEVM " + marker);
    return new Template(key, t);
  }

  private List<String> ramfsFiles() throws IOException {
    try (Stream<Path> files = Files.list(ramfs)) {
      return files.map(p -> p.getFileName().toString()).filter(n -> !n.equals(".lock")).sorted().toList();
    }
  }

  @Test
  void restoredVmsShareOneRamfsCopyOfTheTemplateMappedPrivately() throws Exception {
    TemplateRam ram = new TemplateRam(ramfs, shm);
    GuestRam first = ram.prepare(template);
    assertTrue(TemplateRam.isRamfs(ramfs), "mounted a ramfs on first use");
    assertTrue(first.privateMapping());
    assertTrue(first.incoming());
    assertEquals(ramfs, first.file().getParent());
    assertArrayEquals(Files.readAllBytes(template.ram()), Files.readAllBytes(first.file()), "the template's bytes");
    assertTrue(Files.readString(Path.of(first.file().toString().replace(".ram", ".origin"))).contains("t1"));

    GuestRam second = new TemplateRam(ramfs, shm).prepare(template); // another process, same template
    assertEquals(first.file(), second.file(), "one shared file, not a copy per VM");
    ram.launched(second);
    assertTrue(Files.exists(second.file()), "the shared file stays for the next restore");
    assertEquals(2, ramfsFiles().size(), ramfsFiles().toString());
  }

  private Path holders() {
    return dir.resolve("ramfs-holders");
  }

  private List<String> holderFiles() throws IOException {
    try (Stream<Path> files = Files.list(holders())) {
      return files.map(p -> p.getFileName().toString()).filter(n -> !n.equals(".lock")).sorted().toList();
    }
  }

  private static java.util.Optional<ProcessHandle> holder(Path record) {
    try {
      return ProcessHandle.of(Long.parseLong(Files.readString(record).trim().split(" ")[0]));
    } catch (IOException e) {
      return java.util.Optional.empty();
    }
  }

  private static final dev.peapod.provider.qemu.runtime.VmUsers.VmUser VM_USER = dev.peapod.provider.qemu.runtime.VmUsers
      .parse("2000000000-2000000099", Path.of("/run/peapod/vm")).user(2000000007);

  @Test
  void vmUsersShareOneSealedMemfdOfTheTemplateHeldByAProcessOfItsOwn() throws Exception {
    GuestRam first = new TemplateRam(ramfs, shm).prepare(template, VM_USER);
    assertTrue(first.sealed() && first.privateMapping() && first.incoming(), first.toString());
    assertArrayEquals(Files.readAllBytes(template.ram()), Files.readAllBytes(first.file()), "the template's bytes");
    GuestRam second = new TemplateRam(ramfs, shm).prepare(template, VM_USER); // another process, same template
    assertEquals(first, second, "one memfd, not a copy per VM");
    List<String> files = holderFiles();
    assertEquals(1, files.size(), files.toString());
    assertTrue(files.get(0).endsWith(".holder"), files.toString());
    assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(holders())));
    Path record = ramfs.resolveSibling("ramfs-holders").resolve(files.get(0));
    assertTrue(Files.readString(record).endsWith("\n" + template.dir().toAbsolutePath() + "\n"), Files.readString(record));
    ProcessHandle holder = holder(record).orElseThrow();
    assertEquals(TemplateRam.HOLDER_NAME + " " + holders().resolve(files.get(0).replace(".holder", "")),
        new String(Files.readAllBytes(Path.of("/proc/" + holder.pid() + "/cmdline")), StandardCharsets.UTF_8)
            .replace("\0", " ").trim());
    // The seals hold for root too: the memfd is the template's bytes for as long as it lives.
    Process write = new ProcessBuilder("sh", "-c", "echo x 1<>\"$1\"", "w", first.file().toString())
        .redirectErrorStream(true).start();
    String out = new String(write.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertNotEquals(0, write.waitFor(), "root wrote into the sealed memfd: " + out);
    Process punch = new ProcessBuilder("fallocate", "--punch-hole", "--offset", "0", "--length", "8192",
        first.file().toString()).redirectErrorStream(true).start();
    out = new String(punch.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertNotEquals(0, punch.waitFor(), "punched a hole in the sealed memfd: " + out);
    assertArrayEquals(Files.readAllBytes(template.ram()), Files.readAllBytes(first.file()), "still the template's bytes");
    String sealedId = new String(new ProcessBuilder("stat", "-L", "-c", "%d:%i", first.file().toString()).start()
        .getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertEquals(first.sealedIdentity(), sealedId, "the identity the launch checks");
  }

  @Test
  void aHolderThatDiedIsReplacedAndARebuiltTemplatesHolderIsStopped() throws Exception {
    TemplateRam ram = new TemplateRam(ramfs, shm);
    GuestRam first = ram.prepare(template, VM_USER);
    ProcessHandle holder = ProcessHandle.of(Long.parseLong(first.file().getName(1).toString())).orElseThrow();
    holder.destroy();
    holder.onExit().get();
    GuestRam again = ram.prepare(template, VM_USER);
    assertNotEquals(first.file(), again.file(), "a new holder");
    assertTrue(Files.exists(again.file()));

    ProcessHandle current = ProcessHandle.of(Long.parseLong(again.file().getName(1).toString())).orElseThrow();
    Template rebuilt = template("t1", 2);
    Files.setLastModifiedTime(rebuilt.state(), FileTime.fromMillis(Files.getLastModifiedTime(rebuilt.state())
        .toMillis() + 5_000));
    GuestRam fresh = ram.prepare(rebuilt, VM_USER);
    assertTrue(Files.readString(fresh.file(), StandardCharsets.ISO_8859_1).contains("page two 2"));
    current.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS); // the old template's holder is stopped
    assertEquals(1, holderFiles().size(), holderFiles().toString());
  }

  /**
   * Adopting the memfd of a holder that died opens it through a restored VM's {@code /proc/PID/fd/7}: that QEMU
   * runs as its VM user, and a guest that took it over can put a FIFO with no writer there (here the FIFO is given
   * directly). The open blocked for good while the host-wide RAM lock was held, stopping every restore; now the
   * holder refuses anything but a regular file at once.
   */
  @Test
  void adoptingADescriptorThatIsAFifoFailsAtOnceInsteadOfHanging() throws Exception {
    Path fifo = dir.resolve("fifo");
    assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
    Path ram = template.dir().resolve("ram");
    IOException refused = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(20),
        () -> assertThrows(IOException.class, () -> TemplateRam.Holder.start(ram, dir.resolve("holder-name"), "test",
            Optional.of(fifo))));
    assertTrue(refused.getMessage().contains("is not a regular file"), refused.getMessage());
  }

  @Test
  void withTemplateRamCopyEveryRestoreGetsACopyOfItsOwnAndNothingIsShared() throws Exception {
    TemplateRam ram = new TemplateRam(ramfs, shm, Optional.empty(), false);
    GuestRam user = ram.prepare(template, VM_USER);
    GuestRam root = ram.prepare(template);
    for (GuestRam copy : List.of(user, root)) {
      assertFalse(copy.sealed() || copy.privateMapping(), copy.toString());
      assertEquals(shm, copy.file().getParent(), copy.toString());
      assertArrayEquals(Files.readAllBytes(template.ram()), Files.readAllBytes(copy.file()), "the template's bytes");
    }
    assertEquals(VM_USER.uid(), Files.getAttribute(user.file(), "unix:uid"), "the VM user's own copy");
    assertNotEquals(user.file(), root.file());
    assertFalse(Files.exists(holders()) && !holderFiles().isEmpty(), "no holder started");
    assertFalse(TemplateRam.isRamfs(ramfs), "no ramfs mounted");

    String before = System.getProperty("peapod.template.ram");
    try {
      System.setProperty("peapod.template.ram", "Copy ");
      assertFalse(TemplateRam.sharedFromEnvironment());
      System.setProperty("peapod.template.ram", "sometimes");
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, TemplateRam::sharedFromEnvironment);
      assertTrue(e.getMessage().contains("PEAPOD_TEMPLATE_RAM must be shared or copy"), e.getMessage());
    } finally {
      if (before == null) {
        System.clearProperty("peapod.template.ram");
      } else {
        System.setProperty("peapod.template.ram", before);
      }
    }
  }

  @Test
  void ramfsRefusesTheHolePunchThatQemuWouldDoForAReportedPage() throws Exception {
    Path shared = new TemplateRam(ramfs, shm).prepare(template).file();
    byte[] before = Files.readAllBytes(shared);
    Process punch = new ProcessBuilder("fallocate", "--punch-hole", "--offset", "0", "--length", "8192",
        shared.toString()).redirectErrorStream(true).start();
    String out = new String(punch.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertNotEquals(0, punch.waitFor(), "ramfs has no fallocate: " + out);
    assertArrayEquals(before, Files.readAllBytes(shared), "nothing was zeroed");
  }

  @Test
  void aRebuiltTemplateGetsANewFileAndTheOldOneIsSwept() throws Exception {
    TemplateRam ram = new TemplateRam(ramfs, shm);
    Path old = ram.prepare(template).file();
    Template rebuilt = template("t1", 2);
    Files.setLastModifiedTime(rebuilt.state(), FileTime.fromMillis(Files.getLastModifiedTime(rebuilt.state())
        .toMillis() + 5_000));
    Path fresh = ram.prepare(rebuilt).file();
    assertNotEquals(old, fresh);
    assertFalse(Files.exists(old), "the old template's RAM is freed");
    assertTrue(Files.readString(fresh, StandardCharsets.ISO_8859_1).contains("page two 2"));
  }

  @Test
  void filesOfDeletedTemplatesAndHalfMadeCopiesAreSwept() throws Exception {
    TemplateRam ram = new TemplateRam(ramfs, shm);
    ram.prepare(template);
    Template other = template("t2", 3);
    ram.prepare(other);
    Files.writeString(ramfs.resolve("t9-0011223344556677.partial"), "killed half way");
    Files.writeString(ramfs.resolve("t8-0011223344556677.origin"), dir.resolve("templates/t8") + "\n");

    Files.delete(other.ram());
    Files.delete(other.state());
    Files.delete(other.dir());
    ram.sweep();
    List<String> left = ramfsFiles();
    assertEquals(2, left.size(), left.toString());
    assertTrue(left.stream().allMatch(n -> n.startsWith("t1-")), left.toString());
  }

  @Test
  void onlyTheMostRecentlyUsedFilesAreKeptWhateverTemplatesStillExist() throws Exception {
    TemplateRam ram = new TemplateRam(ramfs, shm);
    List<Path> files = new java.util.ArrayList<>();
    for (int i = 0; i < TemplateRam.KEEP; i++) {
      files.add(ram.prepare(template("k" + i, i)).file());
      Thread.sleep(20); // distinct last-use times
    }
    Path reused = ram.prepare(template).file(); // t1 (setUp), then k0 used again:
    Thread.sleep(20);
    assertEquals(files.get(0), ram.prepare(new Template("k0", dir.resolve("templates/k0"))).file());
    Thread.sleep(20);
    Path newest = ram.prepare(template("k9", 9)).file();

    List<String> left = ramfsFiles().stream().filter(n -> n.endsWith(".ram")).toList();
    assertEquals(TemplateRam.KEEP, left.size(), left.toString());
    assertTrue(Files.exists(newest) && Files.exists(files.get(0)) && Files.exists(reused), left.toString());
    assertFalse(Files.exists(files.get(1)), "the least recently used went: " + left);
    assertFalse(Files.exists(Path.of(files.get(1).toString().replace(".ram", ".origin"))));
  }

  @Test
  void aCopyWhoseStartWasKilledBeforeTheLaunchIsSweptAndALiveStartsIsNot() throws Exception {
    Path notADirectory = Files.writeString(dir.resolve("file"), "");
    TemplateRam ram = new TemplateRam(notADirectory.resolve("ramfs"), shm);
    GuestRam live = ram.prepare(template); // this process is copying: not launched yet
    // What a start killed with -9 between copy and launch left: its copy names a process that is gone.
    Process killed = new ProcessBuilder("sleep", "60").start();
    long start = dev.peapod.provider.qemu.runtime.HostProcess.startTime(killed.pid()).orElseThrow();
    killed.destroyForcibly().waitFor();
    Path orphan = Files.writeString(shm.resolve("peapod-" + killed.pid() + "-" + start + "-x.ram"), "guest RAM");
    // An older Peapod's copy (no maker in its name), an hour old; and a fresh one; and another user's.
    Path oldUnnamed = Files.writeString(shm.resolve("peapod-0b7c4a4e-9d1f-4f7e-8a6b-3c2d1e0f9a8b.ram"), "old");
    Files.setLastModifiedTime(oldUnnamed, FileTime.from(java.time.Instant.now()
        .minus(TemplateRam.UNNAMED_COPY_AGE).minusSeconds(60)));
    Path freshUnnamed = Files.writeString(shm.resolve("peapod-1b7c4a4e-9d1f-4f7e-8a6b-3c2d1e0f9a8b.ram"), "new");
    Path othersFile = Files.writeString(shm.resolve("peapod-" + killed.pid() + "-" + start + "-y.ram"), "not ours");
    Files.setAttribute(othersFile, "unix:uid", 65534);

    ram.sweep();
    assertFalse(Files.exists(orphan), "the killed start's copy is swept");
    assertFalse(Files.exists(oldUnnamed));
    assertTrue(Files.exists(live.file()), "a start still under way keeps its copy");
    assertTrue(Files.exists(freshUnnamed));
    assertTrue(Files.exists(othersFile), "another user's file is not ours to delete");
    ram.launched(live);
  }

  @Test
  void withoutARamfsEachVmGetsACopyThatIsUnlinkedOnceMapped() throws Exception {
    Path notADirectory = Files.writeString(dir.resolve("file"), "");
    TemplateRam ram = new TemplateRam(notADirectory.resolve("ramfs"), shm);
    GuestRam copy = ram.prepare(template);
    assertFalse(copy.privateMapping());
    assertEquals(shm, copy.file().getParent());
    assertArrayEquals(Files.readAllBytes(template.ram()), Files.readAllBytes(copy.file()));
    ram.launched(copy);
    assertFalse(Files.exists(copy.file()), "unlinked: its pages live on in the VM's mapping only");
  }

  @Test
  void onlyARamfsMountPointCountsAsRamfs() throws Exception {
    assertFalse(TemplateRam.isRamfs(dir));
    assertFalse(TemplateRam.isRamfs(dir.resolve("missing")));
    assertTrue(TemplateRam.isRamfs(Files.createDirectories(ramfs)) == false && !TemplateRam.isRamfs(Path.of("/proc")));
  }

  @Test
  void aPerVmCopyOfTheTemplatesRamIsTheOwnersAlone() throws Exception {
    Path template = Files.write(shm.resolve("template.ram"), new byte[] {1, 2, 3});
    Files.setPosixFilePermissions(template, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    Path copy = shm.resolve("copy.ram");
    TemplateRam.copySparse(template, copy);
    assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
        Files.getPosixFilePermissions(copy)));
    assertEquals(-1L, Files.mismatch(template, copy));
  }
}
