package dev.peapod.provider.qemu.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.provider.ImageRootfs;
import dev.peapod.provider.qemu.QemuConfig;
import dev.peapod.provider.qemu.QemuProvider;
import dev.peapod.provider.qemu.qmp.QmpClient;
import dev.peapod.provider.qemu.qmp.QmpException;
import dev.peapod.provider.qemu.runtime.VmRecord;
import dev.peapod.provider.qemu.runtime.VmUsers;
import dev.peapod.provider.qemu.testing.LogCapture;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Root trusts nothing a VM user's QEMU can rewrite: each test takes over QEMU's part as an attacker
 * who escaped into QEMU would, with exactly its credentials (see {@link VmUserIT}), and then has root
 * do what it does every day (stop, rm, exec, QMP). The pid file is made to name a root process, and
 * the sockets are made links to a socket of root's that the test listens on: the root process lives
 * on, and the listener hears nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class VmTrustIT {

  private static final Path STATE = VmTestSupport.TARGET.resolve("it-vmtrust");
  private static final String[] PODS = {"vmt-pid", "vmt-sock", "vmt-logs"};

  private ImageRootfs image;
  private QemuProvider provider;
  private final List<Process> decoys = new ArrayList<>();

  @BeforeAll
  void setUp() throws Exception {
    image = BusyboxImages.build(VmTestSupport.IMAGES, "busybox-vmtrust", Map.of("www/index.html", "mine\n"));
    provider = VmTestSupport.freshProviderAsRoot(STATE, false, PODS);
  }

  @AfterAll
  void tearDown() {
    decoys.forEach(Process::destroyForcibly);
    VmTestSupport.cleanUp(provider, PODS);
  }

  private static QemuConfig config() {
    return VmTestSupport.config().withStateDir(STATE).withTemplates(false);
  }

  private VmRecord start(String name) {
    return VmTestSupport.startSleeper(provider, STATE, name, image);
  }


  @Test
  @Order(1)
  void aPidFileThatNamesARootProcessGetsItStoppedOrRemovedNever() throws Exception {
    VmRecord vm = start("vmt-pid");
    assertNotNull(vm.vmUser());
    Path pod = STATE.resolve("pods/vmt-pid");
    // A root process whose command line says what a QEMU of this pod's says: a command line is its process's
    // own to choose, so it proves nothing.
    Process decoy = new ProcessBuilder("perl", "-e", "sleep 600", "--", "-name", "peapod-vmt-pid", pod.toString())
        .start();
    decoys.add(decoy);
    Path ownPidFile = run(vm).resolve("q/qemu.pid");
    // The QEMU a guest took over names the decoy in its pid file and ends without removing it.
    asQemuOf(vm, "kill", "-9", Long.toString(vm.pid()));
    assertTrue(ProcessHandle.of(vm.pid()).map(p -> !p.isAlive()).orElse(true) || awaitGone(vm.pid()));
    Result wrote = asQemuOf(vm, "sh", "-c", "echo " + decoy.pid() + " > " + ownPidFile);
    assertEquals(0, wrote.code, wrote.output);

    try (LogCapture log = LogCapture.of(Class.forName("dev.peapod.provider.qemu.PodVm"))) {
      provider.stop("vmt-pid", Duration.ZERO);
      assertTrue(running(decoy.pid()), "stop killed root process " + decoy.pid() + " that QEMU's pid file named");
      assertTrue(log.warnings().stream().anyMatch(w -> w.contains("names process " + decoy.pid())
          && w.contains("runs as uid 0") && w.contains("not signalled")), "stop says why: " + log.warnings());
      provider.remove("vmt-pid", Duration.ZERO);
      assertTrue(running(decoy.pid()), "rm killed root process " + decoy.pid() + " that QEMU's pid file named");
    }
    assertFalse(provider.inspect("vmt-pid").isPresent());
  }

  @Test
  @Order(2)
  void socketsReplacedByLinksToRootsOwnReachNothing() throws Exception {
    VmRecord vm = start("vmt-sock");
    Path q = run(vm).resolve("q");
    try (Decoy decoy = new Decoy(STATE.resolve("decoy.sock"))) {
      // The guest's control port: a new provider, as the next command would be, finds a link to root's socket.
      assertEquals(0, asQemuOf(vm, "ln", "-sfn", decoy.socket.toString(), q.resolve("ctl.sock").toString()).code);
      try (QemuProvider next = new QemuProvider(config())) {
        RuntimeException refused = assertThrows(RuntimeException.class,
            () -> VmTestSupport.exec(next, "vmt-sock", "web", "true"));
        Thread.sleep(500); // whatever root would have sent has arrived
        assertEquals(0, decoy.received.get(), "root sent " + decoy.received.get() + " bytes to its own socket");
        assertTrue(messages(refused).contains("not by the VM's QEMU"), messages(refused));
      }
      // The monitor: whoever answers with a QMP greeting gets root's commands, unless the peer is checked first.
      assertEquals(0, asQemuOf(vm, "ln", "-sfn", decoy.socket.toString(), q.resolve("qmp.sock").toString()).code);
      Exception qmp = assertThrows(Exception.class,
          () -> QmpClient.connect(STATE.resolve("pods/vmt-sock/qmp.sock"), Duration.ofSeconds(5)).close(),
          "root's QMP client took root's own socket for the VM's monitor");
      Thread.sleep(500);
      assertEquals(0, decoy.received.get(), "root sent " + decoy.received.get() + " bytes to its own socket over "
          + decoy.accepted.get() + " connections");
      assertTrue(qmp instanceof QmpException && qmp.getMessage().contains("not by the VM's QEMU"), messages(qmp));
    }
  }

  @Test
  @Order(3)
  void theLogWritersAndPasstConnectToTheVmsQemuOrNothing() throws Exception {
    VmRecord vm = start("vmt-logs");
    Path q = run(vm).resolve("q");
    Path pod = STATE.resolve("pods/vmt-logs");
    String secret = "SECRET-OF-ANOTHER-VM";
    try (Decoy decoy = new Decoy(STATE.resolve("decoy-logs.sock"), secret + "\n")) {
      // The console and the network socket become links to a socket of root's that talks (as another VM's
      // console would); QEMU then closes its writers' connections (the test ends them), and the next look at
      // the pod starts new ones, as it does for a writer or passt that ended.
      for (String socket : List.of("console.sock", "net.sock")) {
        assertEquals(0, asQemuOf(vm, "ln", "-sfn", decoy.socket.toString(), q.resolve(socket).toString()).code);
      }
      for (String pidFile : List.of("console-writer.pid", "passt.pid")) {
        long pid = Long.parseLong(Files.readString(pod.resolve(pidFile)).trim().split(" ")[0]);
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        assertTrue(awaitGone(pid), pidFile + " " + pid + " ended");
      }
      try (LogCapture log = LogCapture.of(Class.forName("dev.peapod.provider.qemu.PodVm"))) {
        provider.inspect("vmt-logs");
        Thread.sleep(1000); // what a writer connected to the decoy would have written has been written
        StringBuilder console = new StringBuilder();
        try (var files = Files.list(pod)) {
          for (Path f : files.filter(f -> f.getFileName().toString().startsWith("console.log")).toList()) {
            console.append(Files.readString(f, StandardCharsets.ISO_8859_1));
          }
        }
        assertFalse(console.toString().contains(secret), "the VM's console log holds what root's socket said");
        assertEquals(0, decoy.received.get(), "root sent " + decoy.received.get() + " bytes to its own socket");
        String warnings = String.join("\n", log.warnings());
        assertTrue(warnings.contains("console.sock is served by uid 0, not by the VM's QEMU"), warnings);
        assertTrue(warnings.contains("net.sock is served by uid 0, not by the VM's QEMU"), warnings);
      }
    }
  }

  /** A root socket that greets as QMP does and counts what it receives. */
  private static final class Decoy implements AutoCloseable {
    final Path socket;
    final AtomicInteger accepted = new AtomicInteger();
    final AtomicLong received = new AtomicLong();
    private final ServerSocketChannel server;
    private final Thread thread;

    private final String greeting;

    Decoy(Path socket) throws IOException {
      this(socket, "{\"QMP\": {\"version\": {}, \"capabilities\": []}}\r\n");
    }

    Decoy(Path socket, String greeting) throws IOException {
      this.socket = socket;
      this.greeting = greeting;
      Files.deleteIfExists(socket);
      server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      server.bind(UnixDomainSocketAddress.of(socket));
      thread = new Thread(this::serve, "decoy");
      thread.setDaemon(true);
      thread.start();
    }

    private void serve() {
      while (true) {
        SocketChannel c;
        try {
          c = server.accept();
        } catch (IOException e) {
          return;
        }
        accepted.incrementAndGet();
        Thread reader = new Thread(() -> {
          try (c) {
            c.write(ByteBuffer.wrap(greeting.getBytes(StandardCharsets.UTF_8)));
            ByteBuffer buf = ByteBuffer.allocate(4096);
            for (int n; (n = c.read(buf)) > 0; buf.clear()) {
              received.addAndGet(n);
            }
          } catch (IOException e) {
            // the client went
          }
        });
        reader.setDaemon(true);
        reader.start();
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
      Files.deleteIfExists(socket);
    }
  }

  private static String messages(Throwable t) {
    StringBuilder sb = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      sb.append(c.getMessage()).append(" / ");
    }
    return sb.toString();
  }

  private static Path run(VmRecord vm) {
    return VmUsers.RUN_ROOT.resolve(Integer.toUnsignedString(vm.vmUser()));
  }

  private static boolean awaitGone(long pid) throws InterruptedException {
    for (int i = 0; i < 250; i++) {
      if (!Files.exists(Path.of("/proc", Long.toString(pid)))
          || readState(pid).startsWith("Z")) {
        return true;
      }
      Thread.sleep(20);
    }
    return false;
  }

  /** Whether pid is a live process, not a zombie (Process.isAlive lags behind the JDK's reaper). */
  private static boolean running(long pid) {
    return Files.exists(Path.of("/proc", Long.toString(pid))) && !readState(pid).startsWith("Z");
  }

  private static String readState(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      return stat.substring(stat.lastIndexOf(')') + 2);
    } catch (IOException e) {
      return "Z";
    }
  }

  private record Result(int code, String output) {}

  /** Runs {@code command} with exactly the credentials of {@code vm}'s QEMU. */
  private static Result asQemuOf(VmRecord vm, String... command) throws Exception {
    List<String> argv = new ArrayList<>(VmUsers.fromEnvironment().orElseThrow().user(vm.vmUser()).setpriv());
    argv.addAll(List.of(command));
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    return new Result(p.exitValue(), out);
  }
}
