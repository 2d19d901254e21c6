package dev.peapod.provider.qemu.it;

import static dev.peapod.provider.qemu.it.VmTestSupport.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.ImageRootfs;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.PodStatus;
import dev.peapod.provider.PortForward;
import dev.peapod.provider.VmInfo;
import dev.peapod.provider.qemu.QemuConfig;
import dev.peapod.provider.qemu.QemuProvider;
import dev.peapod.provider.qemu.it.VmTestSupport.Result;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Pod VMs restored from a template VM: the first start of a shape boots cold and returns
 * while a builder process makes the template; later starts restore it, and every restored
 * VM has its own boot id, RNG and a correct clock, forwards its ports, takes a replace, and
 * a broken template or PEAPOD_TEMPLATES=off means a cold boot, never a failed start. Its own
 * state directory, so that the first start really finds no template.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class TemplateRestoreIT {

  private static final Path STATE = VmTestSupport.TARGET.resolve("it-tmpl");
  private static final String[] PODS = {"tmpl-cold", "tmpl-a", "tmpl-b", "tmpl-c", "tmpl-d", "tmpl-off", "tmpl-ra",
      "tmpl-rb"};

  private ImageRootfs image;
  private ImageRootfs other;
  private QemuProvider provider;
  private String coldBootId;

  @BeforeAll
  void setUp() throws Exception {
    image = BusyboxImages.build(VmTestSupport.IMAGES, "busybox-tmpl", Map.of("www/index.html", "restored\n"));
    other = BusyboxImages.build(VmTestSupport.IMAGES, "busybox-tmpl2", Map.of("marker", "two\n"));
    VmTestSupport.killStrays(PODS);
    VmTestSupport.deleteTree(STATE);
    provider = new QemuProvider(config(true));
  }

  @AfterAll
  void tearDown() throws InterruptedException {
    provider.awaitTemplates(Duration.ofMinutes(2)); // no builder outlives the test
    VmTestSupport.cleanUp(provider, PODS);
  }

  private static QemuConfig config(boolean templates) {
    return VmTestSupport.config().withStateDir(STATE).withTemplates(templates);
  }

  private PodSpec pod(String name, List<PortForward> ports) {
    return PodSpec.of(name, List.of(ContainerSpec.of("web", image, List.of("httpd", "-f", "-p", "8080", "-h", "/www"))))
        .withPorts(ports)
        .withTerminationGracePeriod(Duration.ZERO);
  }

  private VmInfo start(PodSpec spec) {
    provider.create(spec);
    return started(provider, spec.name());
  }

  /** Starts {@code pod}; a failure's message has the tail of what its QEMU said after its set-up, and of its console. */
  private static VmInfo started(QemuProvider provider, String pod) {
    try {
      return provider.start(pod).vm().orElseThrow();
    } catch (RuntimeException e) {
      // What QEMU said after its set-up (a restored guest that did not answer: session 8's CI failure had no word of it)
      throw new AssertionError(e.getMessage() + "\n" + qemuOutput(pod), e);
    }
  }

  /** The tail of what the pod's QEMU wrote after its set-up, and of its console, for a failure's message. */
  private static String qemuOutput(String pod) {
    dev.peapod.provider.qemu.runtime.VmFiles files = new dev.peapod.provider.qemu.runtime.VmFiles(
        STATE.resolve("pods").resolve(pod));
    String console;
    try {
      String all = Files.exists(files.console()) ? Files.readString(files.console(),
          java.nio.charset.StandardCharsets.ISO_8859_1) : "(none)";
      console = all.substring(Math.max(0, all.length() - 4096));
    } catch (java.io.IOException e) {
      console = "(" + e + ")";
    }
    return "QEMU's output after its set-up (" + files.qemuOutput() + ", tail):\n"
        + dev.peapod.provider.qemu.QemuProcess.outputTail(files, 8192) + "\nits console (tail):\n" + console;
  }

  private static Stream<Path> templates() throws Exception {
    Path dir = STATE.resolve("templates");
    return Files.isDirectory(dir)
        ? Files.list(dir).filter(p -> Files.isRegularFile(p.resolve("state")) && Files.isRegularFile(p.resolve("ram")))
        : Stream.empty();
  }

  @Test
  @Order(1)
  void theFirstStartBootsColdAndLeavesATemplate() throws Exception {
    VmInfo vm = start(pod("tmpl-cold", List.of()));
    assertEquals(VmInfo.COLD_BOOT, vm.boot());
    coldBootId = vm.bootId();
    provider.close(); // does not wait for the template: a builder process makes it
    assertEquals(0, templates().count(), "the start returned before its template was made");
    assertTrue(provider.awaitTemplates(Duration.ofMinutes(3)), "the builder ended");
    assertEquals(1, templates().count(), "one template for the one shape");
  }

  @Test
  @Order(2)
  void restoredVmsEachHaveTheirOwnIdentityRngAndClock() throws Exception {
    int port = VmTestSupport.freePort();
    VmInfo a = start(pod("tmpl-a", List.of(PortForward.tcp(port, 8080))));
    VmInfo b = start(pod("tmpl-b", List.of()));
    System.out.printf("[timing] restored launch->READY: %d ms, %d ms%n", a.bootTime().toMillis(),
        b.bootTime().toMillis());
    assertTrue(a.boot().startsWith("restored from template"), a.boot());
    assertTrue(b.boot().startsWith("restored from template"), b.boot());
    assertNotEquals(a.bootId(), b.bootId(), "each restored VM has its own boot id");
    assertNotEquals(coldBootId, a.bootId());
    assertEquals(36, a.bootId().length(), a.bootId());

    String uuidsA = exec(provider, "tmpl-a", "web", "sh", "-c",
        "for i in 1 2 3; do cat /proc/sys/kernel/random/uuid; done").stdout();
    String uuidsB = exec(provider, "tmpl-b", "web", "sh", "-c",
        "for i in 1 2 3; do cat /proc/sys/kernel/random/uuid; done").stdout();
    assertEquals(3, uuidsA.lines().count(), uuidsA);
    assertTrue(uuidsA.lines().noneMatch(u -> uuidsB.contains(u)), "RNG sequences differ:\n" + uuidsA + uuidsB);

    for (String p : List.of("tmpl-a", "tmpl-b")) {
      Result date = exec(provider, p, "web", "date", "+%s");
      long guest = Long.parseLong(date.stdout().trim());
      long host = System.currentTimeMillis() / 1000;
      assertTrue(Math.abs(guest - host) < 60, p + ": guest clock " + guest + " against host " + host);
    }

    HttpResponse<String> page = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/index.html")).timeout(Duration.ofSeconds(20))
            .build(), HttpResponse.BodyHandlers.ofString());
    assertEquals("restored\n", page.body(), "the port forward reaches the restored VM");
  }

  /**
   * Both restored VMs map one ramfs copy of the template's RAM copy-on-write, their guests
   * stopped free page reporting, and the shared copy still holds exactly the template's bytes
   * after two guests ran in it.
   */
  @Test
  @Order(3)
  void restoredVmsShareTheTemplateRamCopyOnWrite() throws Exception {
    // The sharing is for QEMU as root (PEAPOD_VM_USERS=off): a VM user's QEMU maps a copy of its own
    // (see VmUsers and guestRamFilesAreTheOwnersAlone).
    System.setProperty("peapod.vm-users", "off");
    try (QemuProvider asRoot = new QemuProvider(config(true))) {
      for (String p : List.of("tmpl-ra", "tmpl-rb")) {
        asRoot.create(pod(p, List.of()));
        assertTrue(asRoot.start(p).vm().orElseThrow().boot().startsWith("restored from template"), p);
      }
      assertSharedCopyOnWrite(asRoot);
      for (String p : List.of("tmpl-ra", "tmpl-rb")) {
        asRoot.remove(p, Duration.ZERO);
      }
    } finally {
      System.clearProperty("peapod.vm-users");
    }
  }

  private void assertSharedCopyOnWrite(QemuProvider provider) throws Exception {
    Path shared = null;
    for (String p : List.of("tmpl-ra", "tmpl-rb")) {
      long pid = provider.inspect(p).orElseThrow().vm().orElseThrow().pid();
      List<String> mapped = Files.readAllLines(Path.of("/proc/" + pid + "/maps")).stream()
          .filter(l -> l.contains(QemuProvider.TEMPLATE_RAMFS + "/")).toList();
      assertEquals(1, mapped.size(), p + " maps the shared template RAM once: " + mapped);
      String[] fields = mapped.get(0).trim().split("\\s+");
      assertEquals("rw-p", fields[1], p + ": a private (copy-on-write) mapping: " + mapped.get(0));
      Path file = Path.of(fields[fields.length - 1]);
      assertTrue(shared == null || shared.equals(file), "the same file in both VMs: " + shared + ", " + file);
      shared = file;
      assertEquals("11", exec(provider, p, "web", "cat", "/sys/module/page_reporting/parameters/page_reporting_order")
          .stdout().trim(), p + ": free page reporting is off");
    }
    Path template = templates().findFirst().orElseThrow();
    assertEquals(-1L, Files.mismatch(template.resolve("ram"), shared), "the shared copy is unchanged");
  }

  @Test
  @Order(3)
  void guestRamFilesAreTheOwnersAlone() throws Exception {
    Path template = templates().findFirst().orElseThrow();
    long pid = provider.inspect("tmpl-a").orElseThrow().vm().orElseThrow().pid();
    // A VM whose QEMU runs as a VM user maps a copy of its own (unlinked, its user's): see VmUsers.
    java.util.Optional<Path> shared = Files.readAllLines(Path.of("/proc/" + pid + "/maps")).stream()
        .filter(l -> l.contains(QemuProvider.TEMPLATE_RAMFS + "/"))
        .map(l -> Path.of(l.trim().split("\\s+")[5])).findFirst();
    List<Path> files = new java.util.ArrayList<>(List.of(template.resolve("ram"), template.resolve("state")));
    shared.ifPresent(files::add);
    if (shared.isEmpty()) {
      // A VM user's QEMU maps the template's sealed memfd privately (see TemplateRam and the next test).
      assertTrue(dev.peapod.provider.qemu.runtime.VmUsers.fromEnvironment().isPresent(), "no shared RAM mapped");
      List<String> sealed = Files.readAllLines(Path.of("/proc/" + pid + "/maps")).stream()
          .filter(l -> l.contains("/memfd:peapod-template-ram")).toList();
      assertEquals(1, sealed.size(), "the VM maps the template's sealed memfd once: " + sealed);
      assertEquals("rw-p", sealed.get(0).trim().split("\\s+")[1], "privately: " + sealed.get(0));
      String owner = Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
          .filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow();
      assertTrue(!owner.startsWith("Uid:\t0\t"), "QEMU is not root: " + owner);
    }
    for (Path file : files) {
      assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
          Files.getPosixFilePermissions(file)), file + " is open to others");
    }
    // Another user (nobody) reading the template's RAM, with every directory above it opened to it.
    Path copy = Files.createTempDirectory(VmTestSupport.TARGET, "ram-read");
    Files.setPosixFilePermissions(copy, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    Path link = copy.resolve("ram");
    Files.createLink(link, template.resolve("ram"));
    Process read = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
        "head", "-c", "1", link.toString()).redirectErrorStream(true).start();
    String out = new String(read.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertEquals(1, read.waitFor(), "uid 65534 read the template's RAM: " + out);
    assertTrue(out.contains("Permission denied"), out);
    Files.delete(link);
    Files.delete(copy);
  }

  /**
   * The attack on the sealed memfd that VM users' QEMUs share (see TemplateRam), performed as the VM
   * user of tmpl-a with the memfd on fd 7 as its QEMU has it: writing, truncating, punching holes,
   * mapping it shared and writable, changing its mode or seals, and opening the holder's or tmpl-b's
   * QEMU's descriptor or memory must all fail, and the memfd must still hold the template's bytes, so
   * what tmpl-b maps is unchanged; tmpl-b still answers.
   */
  /**
   * What a restored VM's QEMU holds of guest RAM beyond the template's pages is what its guest wrote
   * since the restore (its private copies of the template's pages). A block of zeros among them is
   * memory the guest zeroed and never used: the guest kernel's second per-CPU chunk zeroed a 4 MiB
   * array on the way to READY until {@code percpu_alloc=page} (bench/RESULTS.md, "Session 10"). Read
   * from the QEMU's pagemap (a page present and not the file's is a private copy) and its memory.
   */
  @Test
  @Order(3)
  void aRestoredVmWritesNoBlockOfZerosIntoItsGuestRam() throws Exception {
    long pid = provider.inspect("tmpl-a").orElseThrow().vm().orElseThrow().pid();
    String mapping = Files.readAllLines(Path.of("/proc/" + pid + "/maps")).stream()
        .filter(l -> l.contains("/memfd:peapod-template-ram") || l.contains(QemuProvider.TEMPLATE_RAMFS + "/"))
        .findFirst().orElseThrow(() -> new AssertionError("no template RAM mapped by " + pid));
    String[] range = mapping.substring(0, mapping.indexOf(' ')).split("-");
    long start = Long.parseUnsignedLong(range[0], 16);
    long pages = (Long.parseUnsignedLong(range[1], 16) - start) / 4096;
    byte[] map = new byte[(int) pages * 8];
    try (var pagemap = new java.io.RandomAccessFile("/proc/" + pid + "/pagemap", "r");
        var mem = new java.io.RandomAccessFile("/proc/" + pid + "/mem", "r")) {
      pagemap.seek(start / 4096 * 8);
      pagemap.readFully(map);
      java.nio.LongBuffer entries = java.nio.ByteBuffer.wrap(map).order(java.nio.ByteOrder.LITTLE_ENDIAN).asLongBuffer();
      byte[] page = new byte[4096];
      byte[] zero = new byte[4096];
      int privatePages = 0;
      int run = 0;
      int longest = 0;
      for (int i = 0; i < pages; i++) {
        long e = entries.get(i);
        boolean copy = (e >>> 63) == 1 && ((e >>> 61) & 1) == 0;
        boolean zeros = false;
        if (copy) {
          privatePages++;
          mem.seek(start + i * 4096L);
          mem.readFully(page);
          zeros = java.util.Arrays.equals(page, zero);
        }
        run = zeros ? run + 1 : 0;
        longest = Math.max(longest, run);
      }
      assertTrue(longest < 256, "tmpl-a's guest wrote " + longest + " contiguous pages of zeros since its restore ("
          + privatePages + " private pages in all)");
    }
  }

  @Test
  @Order(3)
  void aVmUserCannotChangeTheTemplateRamOtherVmsMap() throws Exception {
    long a = provider.inspect("tmpl-a").orElseThrow().vm().orElseThrow().pid();
    long b = provider.inspect("tmpl-b").orElseThrow().vm().orElseThrow().pid();
    // The tests run as root with VM users on (the default), as CI does: a QEMU as root here is a failure, not a skip.
    assertTrue(dev.peapod.provider.qemu.runtime.VmUsers.fromEnvironment().isPresent()
        && Files.readAllLines(Path.of("/proc/" + a + "/maps")).stream().anyMatch(l -> l.contains("/memfd:peapod-template-ram")),
        "QEMU of tmpl-a runs as a VM user mapping the template's sealed memfd (PEAPOD_VM_USERS=off or not root?)");
    Object inode = Files.getAttribute(Path.of("/proc/" + a + "/fd/7"), "unix:ino");
    assertEquals(inode, Files.getAttribute(Path.of("/proc/" + b + "/fd/7"), "unix:ino"), "both VMs map one memfd");
    Path holder = null;
    try (Stream<Path> records = Files.list(Path.of(QemuProvider.TEMPLATE_RAMFS + "-holders"))) {
      for (Path record : records.filter(r -> r.toString().endsWith(".holder")).toList()) {
        String[] f = Files.readString(record).lines().findFirst().orElseThrow().split(" ");
        Path fd = Path.of("/proc", f[0], "fd", f[2]);
        if (Files.exists(fd) && inode.equals(Files.getAttribute(fd, "unix:ino"))) {
          holder = fd;
        }
      }
    }
    assertTrue(holder != null, "a holder's record names the memfd the VMs map");
    Path template = templates().findFirst().orElseThrow();
    assertEquals(-1L, Files.mismatch(template.resolve("ram"), holder), "the memfd holds the template's RAM");
    String uid = Files.readAllLines(Path.of("/proc/" + a + "/status")).stream().filter(l -> l.startsWith("Uid:"))
        .findFirst().orElseThrow().split("\\s+")[1];
    assertNotEquals("0", uid);
    String script;
    try (var in = TemplateRestoreIT.class.getResourceAsStream("sealed-ram-attack.pl")) {
      script = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
    Process attack = new ProcessBuilder("sh", "-c", "exec 7<\"$1\" || exit 126; shift; exec \"$@\"", "attack",
        holder.toString(), "setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups", "perl", "-e", script, "--",
        holder.toString(), "/proc/" + b + "/fd/7", "/proc/" + b + "/mem").redirectErrorStream(true).start();
    String out = new String(attack.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    System.out.print("[sealed-ram] as uid " + uid + ":\n" + out);
    assertEquals(0, attack.waitFor(), out);
    assertTrue(out.lines().noneMatch(l -> l.startsWith("ALLOWED")), out);
    for (String what : List.of("write on fd 7 reopened read-write", "ftruncate to shrink", "ftruncate to grow",
        "fallocate punch hole", "fallocate beyond the end", "mmap MAP_SHARED PROT_WRITE",
        "mprotect a MAP_SHARED read mapping to PROT_WRITE", "F_ADD_SEALS", "fchmod", "fchown",
        "open " + holder + " for writing", "open /proc/" + b + "/fd/7 for writing", "open /proc/" + b + "/mem for writing")) {
      assertTrue(out.contains("refused " + what + ": "), "no refusal of " + what + " in:\n" + out);
    }
    // 15 = SEAL|SHRINK|GROW|WRITE; 47 adds F_SEAL_EXEC, which MFD_NOEXEC_SEAL sets on Linux 6.3 and later
    assertTrue(out.contains("seals: 15\n") || out.contains("seals: 47\n"),
        "sealed against writes, shrinking, growing and more seals:\n" + out);
    assertEquals(-1L, Files.mismatch(template.resolve("ram"), holder), "the memfd still holds the template's RAM");
    assertEquals("restored\n", exec(provider, "tmpl-b", "web", "cat", "/www/index.html").stdout(), "tmpl-b runs on");
  }

  /**
   * What QEMU writes once it is set up is kept in the VM's directory (a ring of two capped files, see
   * QemuProcess.keepOutputTail), not dropped as before: the file is there, private, and its writer reads QEMU's
   * stderr pipe. (A failed start's message shows its tail: see {@link #start}.)
   */
  @Test
  @Order(3)
  void qemuOutputAfterItsSetUpIsKeptInTheVmsDirectory() throws Exception {
    long pid = provider.inspect("tmpl-a").orElseThrow().vm().orElseThrow().pid();
    dev.peapod.provider.qemu.runtime.VmFiles files = new dev.peapod.provider.qemu.runtime.VmFiles(
        STATE.resolve("pods").resolve("tmpl-a"));
    assertTrue(Files.isRegularFile(files.qemuOutput()), files.qemuOutput() + " is kept");
    assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
        Files.getPosixFilePermissions(files.qemuOutput())));
    String pipe = Files.readSymbolicLink(Path.of("/proc/" + pid + "/fd/2")).toString();
    assertTrue(pipe.startsWith("pipe:"), "QEMU's stderr: " + pipe);
    boolean read = false;
    try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
      for (ProcessHandle p : all.toList()) {
        if (p.info().command().map(c -> c.endsWith("/rotatelogs")).orElse(false)
            && p.info().arguments().map(a -> List.of(a).contains("qemu-output.log")).orElse(false)) {
          try {
            read |= Files.readSymbolicLink(Path.of("/proc/" + p.pid() + "/fd/0")).toString().equals(pipe);
          } catch (java.io.IOException e) {
            // ended meanwhile
          }
        }
      }
    }
    assertTrue(read, "a writer reads QEMU's output pipe " + pipe);
  }

  /**
   * A template RAM holder that died (killed with the service's cgroup, or by hand) while VMs map its memfd: the next
   * restore's holder holds that memfd again, taken from a running VM, instead of making a second copy.
   */
  @Test
  @Order(4)
  void aHolderThatDiedIsReplacedByOneHoldingTheSameMemfd() throws Exception {
    long a = provider.inspect("tmpl-a").orElseThrow().vm().orElseThrow().pid();
    Object inode = Files.getAttribute(Path.of("/proc/" + a + "/fd/7"), "unix:ino");
    long holder = -1;
    try (Stream<Path> records = Files.list(Path.of(QemuProvider.TEMPLATE_RAMFS + "-holders"))) {
      for (Path record : records.filter(r -> r.toString().endsWith(".holder")).toList()) {
        String[] f = Files.readString(record).lines().findFirst().orElseThrow().split(" ");
        Path fd = Path.of("/proc", f[0], "fd", f[2]);
        if (Files.exists(fd) && inode.equals(Files.getAttribute(fd, "unix:ino"))) {
          holder = Long.parseLong(f[0]);
        }
      }
    }
    assertTrue(holder > 0, "a holder holds the memfd tmpl-a maps");
    ProcessHandle dead = ProcessHandle.of(holder).orElseThrow();
    dead.destroyForcibly();
    dead.onExit().get(30, TimeUnit.SECONDS);
    VmInfo d = start(pod("tmpl-d", List.of()));
    assertTrue(d.boot().startsWith("restored from template"), d.boot());
    long pid = provider.inspect("tmpl-d").orElseThrow().vm().orElseThrow().pid();
    assertEquals(inode, Files.getAttribute(Path.of("/proc/" + pid + "/fd/7"), "unix:ino"),
        "the VM restored after the holder died maps the memfd tmpl-a maps, not a second copy");
    assertEquals("restored\n", exec(provider, "tmpl-d", "web", "cat", "/www/index.html").stdout(), "tmpl-d runs");
    provider.remove("tmpl-d", Duration.ZERO);
  }

  @Test
  @Order(4)
  void aRestoredVmTakesAReplaceWithANewImage() {
    PodStatus before = provider.inspect("tmpl-b").orElseThrow();
    PodSpec next = before.spec().withContainers(List.of(
        ContainerSpec.of("two", other, List.of("sleep", "100000"))));
    PodStatus after = provider.replace("tmpl-b", next);
    assertEquals(before.vm().orElseThrow().bootId(), after.vm().orElseThrow().bootId(), "same VM");
    assertEquals("two\n", exec(provider, "tmpl-b", "two", "cat", "/marker").stdout());
  }

  @Test
  @Order(5)
  void aCorruptTemplateMeansAColdBootAndIsMadeAgain() throws Exception {
    Path template = templates().findFirst().orElseThrow();
    Files.write(template.resolve("state"), new byte[] {'Q', 'E', 'V', 'M', 0, 0, 0, 9, 1, 2, 3});
    VmInfo vm = start(pod("tmpl-c", List.of()));
    assertEquals(VmInfo.COLD_BOOT, vm.boot());
    assertEquals("restored\n", exec(provider, "tmpl-c", "web", "cat", "/www/index.html").stdout(), "the pod runs");
    assertTrue(provider.awaitTemplates(Duration.ofMinutes(3)), "the builder ended");
    assertTrue(Files.size(templates().findFirst().orElseThrow().resolve("state")) > 1000, "made again");
  }

  @Test
  @Order(6)
  void aTemplateWithDamagedRamMeansAColdBoot() throws Exception {
    Path template = templates().findFirst().orElseThrow();
    Files.write(template.resolve("ram"), new byte[0]); // the restored guest resumes into zeroed memory
    VmInfo vm = start(pod("tmpl-d", List.of()));
    assertEquals(VmInfo.COLD_BOOT, vm.boot());
    assertEquals("restored\n", exec(provider, "tmpl-d", "web", "cat", "/www/index.html").stdout(), "the pod runs");
  }

  @Test
  @Order(7)
  void templatesOffMeansAColdBoot() {
    try (QemuProvider off = new QemuProvider(config(false))) {
      off.create(pod("tmpl-off", List.of()));
      VmInfo vm = started(off, "tmpl-off");
      assertEquals(VmInfo.COLD_BOOT, vm.boot());
      off.remove("tmpl-off", Duration.ZERO);
    }
  }
}
