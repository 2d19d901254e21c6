package dev.peapod.provider.qemu.it;

import static dev.peapod.provider.qemu.it.VmTestSupport.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.ImageRootfs;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.VmInfo;
import dev.peapod.provider.qemu.QemuConfig;
import dev.peapod.provider.qemu.QemuProvider;
import dev.peapod.provider.qemu.runtime.StateDirectory;
import dev.peapod.provider.qemu.runtime.VmRecord;
import dev.peapod.provider.qemu.runtime.VmUsers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * QEMU runs as a uid of its own per VM (see {@link VmUsers}), and what that uid can do is tried
 * as an attacker who took QEMU over would: a process with exactly QEMU's credentials (its uid,
 * gid and groups, no capabilities, no_new_privs) reaches for the other VM's monitor socket and
 * memory, the host's files and the state directory, and is refused each time. One VM boots
 * cold, the other is restored from the template the first one left (made by a template VM of
 * another user), so both ways QEMU starts are covered.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class VmUserIT {

  private static final Path STATE = VmTestSupport.TARGET.resolve("it-vmuser");
  private static final String[] PODS = {"vmu-cold", "vmu-restored"};

  private ImageRootfs image;
  private QemuProvider provider;
  private VmRecord cold;
  private VmRecord restored;

  @BeforeAll
  void setUp() throws Exception {
    assertEquals("root", System.getProperty("user.name"), "VM users need Peapod to run as root");
    image = BusyboxImages.build(VmTestSupport.IMAGES, "busybox-vmuser", Map.of("www/index.html", "mine\n"));
    VmTestSupport.killStrays(PODS);
    deleteTree(STATE);
    provider = new QemuProvider(config());
  }

  @AfterAll
  void tearDown() throws InterruptedException {
    if (provider != null) {
      provider.awaitTemplates(Duration.ofMinutes(2));
    }
    VmTestSupport.cleanUp(provider, PODS);
  }

  private static QemuConfig config() {
    return VmTestSupport.config().withStateDir(STATE).withTemplates(true);
  }

  private VmRecord start(String name) throws IOException {
    provider.create(PodSpec.of(name, List.of(ContainerSpec.of("web", image, List.of("sleep", "100000"))))
        .withTerminationGracePeriod(Duration.ZERO));
    provider.start(name);
    return new StateDirectory(STATE).pod(name).readVm().orElseThrow();
  }

  @Test
  @Order(1)
  void eachVmsQemuRunsAsAUidOfItsOwnWithNoCapabilities() throws Exception {
    cold = start("vmu-cold");
    assertTrue(provider.awaitTemplates(Duration.ofMinutes(3)), "the template builder ended");
    restored = start("vmu-restored");
    VmInfo info = provider.inspect("vmu-restored").orElseThrow().vm().orElseThrow();
    assertTrue(info.boot().startsWith(VmInfo.RESTORED), "restored from the template a root template VM made: "
        + info.boot());
    assertEquals("mine\n", exec(provider, "vmu-restored", "web", "cat", "/www/index.html").stdout());
    assertEquals("mine\n", exec(provider, "vmu-cold", "web", "cat", "/www/index.html").stdout());

    assertNotNull(cold.vmUser(), "vm.json records the uid");
    assertNotNull(restored.vmUser());
    assertNotEquals(cold.vmUser(), restored.vmUser(), "one uid per VM");
    for (VmRecord vm : List.of(cold, restored)) {
      String user = run("ps", "-o", "user=", "-p", Long.toString(vm.pid())).trim();
      System.out.println("[vm-user] QEMU " + vm.pid() + " runs as " + user);
      assertNotEquals("root", user);
      assertEquals(Integer.toUnsignedString(vm.vmUser()), run("ps", "-o", "uid=", "-p", Long.toString(vm.pid())).trim());
      List<String> status = Files.readAllLines(Path.of("/proc", Long.toString(vm.pid()), "status"));
      for (String expected : List.of("CapInh:\t0000000000000000", "CapPrm:\t0000000000000000",
          "CapEff:\t0000000000000000", "CapBnd:\t0000000000000000", "CapAmb:\t0000000000000000", "NoNewPrivs:\t1",
          "Seccomp:\t2")) {
        assertTrue(status.contains(expected), expected + " in " + status);
      }
      String uid = Integer.toUnsignedString(vm.vmUser());
      assertTrue(status.contains("Uid:\t" + uid + "\t" + uid + "\t" + uid + "\t" + uid), status.toString());
      assertTrue(status.contains("Groups:\t" + Integer.toUnsignedString(VmUsers.fromEnvironment().orElseThrow().group())
          + " "), status.toString());
    }
  }

  @Test
  @Order(2)
  void asTheColdVmsUserTheOtherVmsMonitorMemoryAndFilesAreOutOfReach() throws Exception {
    String other = Long.toString(restored.pid());
    Path otherPod = STATE.resolve("pods/vmu-restored");
    Path otherRun = VmUsers.RUN_ROOT.resolve(Integer.toUnsignedString(restored.vmUser()));
    List<List<String>> attacks = List.of(
        // the other VM's monitor, through its pod directory and in its own run directory
        List.of("socat", "-u", "OPEN:/dev/null", "UNIX-CONNECT:" + otherPod.resolve("qmp.sock")),
        List.of("socat", "-u", "OPEN:/dev/null", "UNIX-CONNECT:" + otherRun.resolve("q/qmp.sock")),
        List.of("socat", "-u", "OPEN:/dev/null", "UNIX-CONNECT:" + otherRun.resolve("q/ctl.sock")),
        // its guest memory: the process's memory, and its RAM file (an unlinked copy, mapped)
        List.of("head", "-c", "1", "/proc/" + other + "/mem"),
        List.of("ls", "/proc/" + other + "/map_files/"),
        List.of("ls", "/proc/" + other + "/fd/"),
        // its image share, and the host's secrets and state
        List.of("ls", otherPod.resolve("images").toString()),
        List.of("head", "-c", "1", "/etc/shadow"),
        List.of("ls", STATE.resolve("pods/vmu-cold").toString()),
        // writes outside its own directory
        List.of("touch", "/etc/peapod-vm-user-was-here"),
        List.of("touch", STATE.resolve("pods/peapod-vm-user-was-here").toString()),
        // its own image share, even through the directory fd its QEMU holds
        List.of("touch", "/proc/" + cold.pid() + "/fd/6/planted"),
        List.of("sh", "-c", "echo x >> " + image.path()));
    List<String> reached = new ArrayList<>();
    for (List<String> attack : attacks) {
      Result r = asQemuOf(cold, attack);
      System.out.println("[vm-user] " + String.join(" ", attack) + " -> " + r.code + ": " + r.output.trim());
      if (r.code == 0) {
        reached.add(String.join(" ", attack) + ": " + r.output);
      } else {
        assertTrue(r.output.contains("ermission denied") || r.output.contains("Operation not permitted"),
            String.join(" ", attack) + " failed for another reason than permissions: " + r.output);
      }
    }
    assertEquals(List.of(), reached, "reached as the cold VM's QEMU user");
    assertFalse(Files.exists(Path.of("/etc/peapod-vm-user-was-here")));
    // the same user reaches its own monitor and lists its own share: the refusals above are about whose files
    // they are
    assertEquals(0, asQemuOf(cold, List.of("socat", "-u", "OPEN:/dev/null", "UNIX-CONNECT:"
        + VmUsers.RUN_ROOT.resolve(Integer.toUnsignedString(cold.vmUser())).resolve("q/lifeline.sock"))).code);
    Result share = asQemuOf(cold, List.of("ls", "/proc/" + cold.pid() + "/fd/6/"));
    assertEquals(0, share.code, share.output);
    assertTrue(share.output.contains(".erofs"), share.output);
  }

  @Test
  @Order(3)
  void stoppingAVmFreesItsUid() throws Exception {
    Path run = VmUsers.RUN_ROOT.resolve(Integer.toUnsignedString(restored.vmUser()));
    assertTrue(Files.isDirectory(run));
    provider.stop("vmu-restored", Duration.ZERO);
    assertFalse(Files.exists(run), run + " is left after the stop");
  }

  private record Result(int code, String output) {}

  /** Runs {@code command} with exactly the credentials of {@code vm}'s QEMU. */
  private static Result asQemuOf(VmRecord vm, List<String> command) throws Exception {
    List<String> argv = new ArrayList<>(VmUsers.fromEnvironment().orElseThrow().user(vm.vmUser()).setpriv());
    argv.addAll(command);
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Result(p.waitFor(), out);
  }

  private static String run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + out);
    return out;
  }

  private static void deleteTree(Path dir) throws IOException {
    if (Files.exists(dir)) {
      try (var walk = Files.walk(dir)) {
        for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
