package dev.peapod.provider.qemu.it;

import static dev.peapod.provider.qemu.it.VmTestSupport.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.HostPath;
import dev.peapod.provider.VolumeMount;
import dev.peapod.provider.VolumeSpec;
import dev.peapod.provider.ImageRootfs;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.VmInfo;
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
  private static final String[] PODS = {"vmu-cold", "vmu-restored", "vmu-host", "vmu-proc"};
  /** Where the hostPath VM's trees are: root's 0755, so that only the trees' own modes keep anyone out. */
  private static final Path HOST = VmTestSupport.TARGET.resolve("it-vmuser-host");
  /** The owner (uid and gid) of the hostPath VM's writable tree, a user of its own. */
  private static final int OWNER = 2100000002;

  private ImageRootfs image;
  private QemuProvider provider;
  private VmRecord cold;
  private VmRecord restored;
  /** The uids (real, effective, saved, fs) and CapEff of every template VM QEMU of this state directory seen running. */
  private final java.util.Set<String> templateQemus = java.util.concurrent.ConcurrentHashMap.newKeySet();

  @BeforeAll
  void setUp() throws Exception {
    image = BusyboxImages.build(VmTestSupport.IMAGES, "busybox-vmuser", Map.of("www/index.html", "mine\n"));
    provider = VmTestSupport.freshProviderAsRoot(STATE, true, PODS);
  }

  @AfterAll
  void tearDown() throws InterruptedException {
    if (provider != null) {
      provider.awaitTemplates(Duration.ofMinutes(2));
    }
    VmTestSupport.cleanUp(provider, PODS);
  }

  private VmRecord start(String name) {
    return VmTestSupport.startSleeper(provider, STATE, name, image);
  }

  @Test
  @Order(1)
  void eachVmsQemuRunsAsAUidOfItsOwnWithNoCapabilities() throws Exception {
    Thread watcher = watchTemplateQemus();
    try {
      cold = start("vmu-cold");
      assertTrue(provider.awaitTemplates(Duration.ofMinutes(3)), "the template builder ended");
    } finally {
      watcher.interrupt();
      watcher.join();
    }
    System.out.println("[vm-user] template VM QEMUs seen: " + templateQemus);
    assertFalse(templateQemus.isEmpty(), "the template VM's QEMU was seen running");
    for (String seen : templateQemus) {
      String[] uidAndCaps = seen.split(" caps ");
      String uid = uidAndCaps[0].split("\t")[0];
      assertTrue(VmUsers.fromEnvironment().orElseThrow().owns(Integer.parseUnsignedInt(uid)),
          "the template VM's QEMU runs as a VM user: " + seen);
      assertEquals(uid + "\t" + uid + "\t" + uid + "\t" + uid, uidAndCaps[0], seen);
      assertEquals("0000000000000000 nnp 1", uidAndCaps[1], seen);
    }
    try (var made = Files.list(STATE.resolve("templates"))) {
      for (Path ram : made.map(t -> t.resolve("ram")).filter(Files::isRegularFile).toList()) {
        // its VM user owned the file while QEMU ran; root's and 0600 again before restores read it
        assertEquals(0, Files.getAttribute(ram, "unix:uid"), ram.toString());
        assertEquals(0, Files.getAttribute(ram, "unix:gid"), ram.toString());
        assertEquals(0600, (Integer) Files.getAttribute(ram, "unix:mode") & 07777, ram.toString());
      }
    }
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
      assertConfined(vm);
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

  /**
   * A VM with hostPath volumes runs QEMU as a VM user too, which reaches the volumes' trees through
   * idmapped mounts in its own mount namespace: the container reads and writes the tree as before,
   * what it writes is the tree owner's on the host, and QEMU's credentials, in QEMU's own mount
   * namespace, reach nothing else.
   */
  @Test
  @Order(4)
  void aHostPathVmsQemuRunsAsItsVmUserAndReachesOnlyItsTrees() throws Exception {
    VmTestSupport.deleteTree(HOST);
    Path tree = Files.createDirectories(HOST.resolve("tree"));
    Files.setPosixFilePermissions(HOST, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.writeString(tree.resolve("own.txt"), "mine\n");
    Path beside = Files.writeString(HOST.resolve("beside.txt"), "the owner's, beside the tree\n");
    Path note = Files.writeString(HOST.resolve("note.txt"), "a note\n");
    Path ro = Files.createDirectories(HOST.resolve("ro"));
    Files.writeString(ro.resolve("index.html"), "read only\n");
    for (Path p : List.of(tree, tree.resolve("own.txt"), beside, note)) {
      Files.setAttribute(p, "unix:uid", OWNER);
      Files.setAttribute(p, "unix:gid", OWNER);
      Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString(
          Files.isDirectory(p) ? "rwx------" : "rw-------"));
    }
    provider.create(PodSpec.of("vmu-host", List.of(ContainerSpec.of("web", image, List.of("sleep", "100000"))
            .withMounts(List.of(new VolumeMount("data", "/data", false, ""), new VolumeMount("ro", "/ro", true, ""),
                new VolumeMount("note", "/etc/note.txt", false, "")))))
        .withVolumes(List.of(VolumeSpec.hostPath("data", new HostPath(tree, HostPath.Type.DIRECTORY)),
            VolumeSpec.hostPath("ro", new HostPath(ro, HostPath.Type.DIRECTORY)),
            VolumeSpec.hostPath("note", new HostPath(note, HostPath.Type.FILE))))
        .withTerminationGracePeriod(Duration.ZERO));
    provider.start("vmu-host");
    VmRecord host = new StateDirectory(STATE).pod("vmu-host").readVm().orElseThrow();

    assertNotNull(host.vmUser(), "a hostPath VM's QEMU runs as a VM user");
    assertConfined(host);

    // The container reads and writes the trees as before; what it makes is the tree owner's on the host.
    Result write = execIn("vmu-host", "cat /data/own.txt /ro/index.html /etc/note.txt && echo made > /data/made.txt"
        + " && mkdir /data/dir && echo more > /data/dir/f && echo noted > /etc/note.txt");
    assertEquals(0, write.code(), write.output());
    assertEquals("mine\nread only\na note\n", write.output());
    for (Path made : List.of(tree.resolve("made.txt"), tree.resolve("dir"), tree.resolve("dir/f"))) {
      assertEquals(OWNER, Files.getAttribute(made, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS), made.toString());
      assertEquals(OWNER, Files.getAttribute(made, "unix:gid", java.nio.file.LinkOption.NOFOLLOW_LINKS), made.toString());
    }
    assertEquals("noted\n", Files.readString(note));
    assertEquals(OWNER, Files.getAttribute(note, "unix:uid"), "the one-file share stays its owner's");
    Result roWrite = execIn("vmu-host", "echo x > /ro/index.html");
    assertNotEquals(0, roWrite.code());
    assertEquals("read only\n", Files.readString(ro.resolve("index.html")));

    // With exactly QEMU's credentials, in QEMU's own mount namespace: its trees, and nothing else.
    Path mounted = VmTestSupport.exportOf(host, tree).path();
    Result own = asQemuOf(host, true, List.of("sh", "-c", "cat " + mounted + "/own.txt && echo x > " + mounted
        + "/by-qemu.txt"));
    assertEquals(0, own.code(), own.output());
    assertEquals("mine\n", own.output(), "QEMU's user reads the owner's 0600 file through its mount");
    assertEquals(OWNER, Files.getAttribute(tree.resolve("by-qemu.txt"), "unix:uid"));
    Path coldRun = VmUsers.RUN_ROOT.resolve(Integer.toUnsignedString(cold.vmUser()));
    List<List<String>> attacks = List.of(
        List.of("head", "-c", "1", "/etc/shadow"),
        // another VM's sockets
        List.of("socat", "-u", "OPEN:/dev/null", "UNIX-CONNECT:" + coldRun.resolve("q/qmp.sock")),
        List.of("socat", "-u", "OPEN:/dev/null", "UNIX-CONNECT:" + coldRun.resolve("q/ctl.sock")),
        List.of("socat", "-u", "OPEN:/dev/null", "UNIX-CONNECT:" + STATE.resolve("pods/vmu-cold/qmp.sock")),
        // the owner's files outside the trees, and the trees by their host paths
        List.of("cat", beside.toString()),
        List.of("cat", tree.resolve("own.txt").toString()),
        List.of("ls", tree.toString()),
        // writes outside the trees: beside them, into the read-only one, onto the host
        List.of("touch", HOST.resolve("planted").toString()),
        List.of("touch", VmTestSupport.exportOf(host, ro).path().resolve("planted").toString()),
        List.of("touch", "/etc/peapod-vm-user-was-here"),
        List.of("touch", STATE.resolve("pods/peapod-vm-user-was-here").toString()));
    List<String> reached = new ArrayList<>();
    for (List<String> attack : attacks) {
      Result r = asQemuOf(host, true, attack);
      System.out.println("[vm-user] hostPath VM: " + String.join(" ", attack) + " -> " + r.code + ": " + r.output.trim());
      if (r.code == 0) {
        reached.add(String.join(" ", attack) + ": " + r.output);
      } else {
        assertTrue(r.output.contains("ermission denied") || r.output.contains("Operation not permitted")
                || r.output.contains("Read-only file system"),
            String.join(" ", attack) + " failed for another reason than permissions: " + r.output);
      }
    }
    assertEquals(List.of(), reached, "reached as the hostPath VM's QEMU user");
    assertFalse(Files.exists(HOST.resolve("planted")));
    assertFalse(Files.exists(ro.resolve("planted")));
    // The mounts are QEMU's alone: the host's own namespace has none of them.
    assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(VmUsers.RUN_ROOT.toString()),
        "a VM's mount in the host's namespace");
  }

  /**
   * A tree on a filesystem without idmapped mounts (procfs here; NFS or FUSE on a real host) fails the start
   * with the helper's message naming it, and no QEMU runs, as root or otherwise.
   */
  @Test
  @Order(5)
  void aHostPathOnAFilesystemWithoutIdmappedMountsIsRefusedNotRunAsRoot() throws Exception {
    provider.create(PodSpec.of("vmu-proc", List.of(ContainerSpec.of("web", image, List.of("sleep", "100000"))
            .withMounts(List.of(new VolumeMount("sys", "/hostsys", true, "")))))
        .withVolumes(List.of(VolumeSpec.hostPath("sys", new HostPath(Path.of("/proc/sys"), HostPath.Type.DIRECTORY))))
        .withTerminationGracePeriod(Duration.ZERO));
    dev.peapod.provider.ProviderException e = org.junit.jupiter.api.Assertions.assertThrows(
        dev.peapod.provider.ProviderException.class, () -> provider.start("vmu-proc"));
    System.out.println("[vm-user] hostPath on procfs: " + e.getMessage());
    assertTrue(e.getMessage().contains("peapod-vm-mounts: /proc/sys: cannot make an idmapped mount of it (on type ")
        && e.getMessage().contains("does not support idmapped mounts"), e.getMessage());
    assertFalse(ProcessHandle.allProcesses().anyMatch(p -> dev.peapod.provider.qemu.runtime.HostProcess
        .commandLine(p.pid()).orElse("").contains("peapod-vmu-proc ")), "a QEMU runs for the refused pod");
    assertTrue(new StateDirectory(STATE).pod("vmu-proc").readVm().isEmpty(), "no VM recorded");
  }

  /** What ps and /proc say of a VM user's QEMU: its uid, its groups, no capabilities, no_new_privs, seccomp. */
  private static void assertConfined(VmRecord vm) throws Exception {
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

  /** Records the uids and capabilities of this state directory's template VM QEMUs while they run. */
  private Thread watchTemplateQemus() {
    String marker = dev.peapod.provider.qemu.VmDefinition.commandLineMarker("template");
    Thread t = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        ProcessHandle.allProcesses().forEach(p -> {
          String cmd = dev.peapod.provider.qemu.runtime.HostProcess.commandLine(p.pid()).orElse("") + " ";
          if (cmd.contains(marker) && cmd.contains(STATE.resolve("templates").toString())
              && cmd.startsWith("qemu-system")) {
            try {
              List<String> status = Files.readAllLines(Path.of("/proc", Long.toString(p.pid()), "status"));
              String uid = status.stream().filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow().substring(5);
              String caps = status.stream().filter(l -> l.startsWith("CapEff:")).findFirst().orElseThrow().substring(8);
              String nnp = status.stream().filter(l -> l.startsWith("NoNewPrivs:")).findFirst().orElseThrow().substring(12);
              templateQemus.add(uid + " caps " + caps + " nnp " + nnp);
            } catch (IOException | RuntimeException gone) {
              // ended meanwhile
            }
          }
        });
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    t.setDaemon(true);
    t.start();
    return t;
  }

  private Result execIn(String pod, String script) throws Exception {
    VmTestSupport.Result r = exec(provider, pod, "web", "sh", "-c", script);
    return new Result(r.exitCode(), r.stdout() + r.stderr());
  }

  private record Result(int code, String output) {}

  /** Runs {@code command} with exactly the credentials of {@code vm}'s QEMU. */
  private static Result asQemuOf(VmRecord vm, List<String> command) throws Exception {
    return asQemuOf(vm, false, command);
  }

  /**
   * Runs {@code command} with exactly the credentials of {@code vm}'s QEMU, and if {@code inItsMounts} in its
   * mount namespace too (where its hostPath trees are mounted).
   */
  private static Result asQemuOf(VmRecord vm, boolean inItsMounts, List<String> command) throws Exception {
    List<String> argv = new ArrayList<>();
    if (inItsMounts) {
      argv.addAll(List.of("nsenter", "--mount=/proc/" + vm.pid() + "/ns/mnt", "--"));
    }
    argv.addAll(VmUsers.fromEnvironment().orElseThrow().user(vm.vmUser()).setpriv());
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
}
