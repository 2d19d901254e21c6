package dev.peapod.provider.qemu.it;

import static dev.peapod.provider.qemu.it.VmTestSupport.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.provider.ContainerSpec;
import dev.peapod.provider.HostPath;
import dev.peapod.provider.ImageRootfs;
import dev.peapod.provider.LogQuery;
import dev.peapod.provider.LogRecord;
import dev.peapod.provider.PodSpec;
import dev.peapod.provider.PodState;
import dev.peapod.provider.PodStatus;
import dev.peapod.provider.PortForward;
import dev.peapod.provider.ProviderException;
import dev.peapod.provider.RecreateRequiredException;
import dev.peapod.provider.VolumeMount;
import dev.peapod.provider.VolumeSpec;
import dev.peapod.provider.qemu.QemuProvider;
import dev.peapod.provider.qemu.guest.GuestConnection;
import dev.peapod.provider.qemu.guest.GuestImage;
import dev.peapod.provider.qemu.guest.GuestListener;
import dev.peapod.provider.qemu.guest.GuestMessages;
import dev.peapod.provider.qemu.guest.Wire;
import dev.peapod.provider.qemu.it.VmTestSupport.Result;
import dev.peapod.provider.qemu.qmp.QmpClient;
import dev.peapod.provider.qemu.runtime.StateDirectory;
import dev.peapod.provider.qemu.runtime.VmRecord;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
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
 * What a running VM takes without a new VM: a replace that brings an image the
 * VM booted without (through its 9p image share and a guest loop device),
 * port forwards changed over QMP, and hostPath volumes shared over 9p at
 * launch. One pod, booted once, exercised in order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class VmAttachIT {

  private static final String POD = "attach";
  private static final String INDEX = "served by attach\n";
  private static final Path HOST = VmTestSupport.TARGET.resolve("it-host");

  private QemuProvider provider;
  private ImageRootfs imageA;
  private ImageRootfs imageB;
  private ImageRootfs imageC;
  private Path rw;
  private Path ro;
  private Path note;
  private PodSpec base;
  private String bootId;
  private int port;

  @BeforeAll
  void startPod() throws Exception {
    imageA = BusyboxImages.build(VmTestSupport.IMAGES, "busybox-a", Map.of("www/index.html", "hello from web\n"));
    imageB = BusyboxImages.build(VmTestSupport.IMAGES, "busybox-b", Map.of("marker-b", "b\n"));
    imageC = BusyboxImages.build(VmTestSupport.IMAGES, "busybox-c", Map.of("marker-c", "c\n"));
    VmTestSupport.killStrays(POD);
    provider = VmTestSupport.newProvider();
    if (provider.inspect(POD).isPresent()) {
      provider.remove(POD, Duration.ZERO);
    }
    VmTestSupport.deleteTree(HOST);
    rw = HOST.resolve("rw");
    ro = Files.createDirectories(HOST.resolve("ro"));
    Files.writeString(ro.resolve("www-index.html"), INDEX);
    note = HOST.resolve("files").resolve("note.txt");
    Files.createDirectories(note.getParent());
    Files.writeString(note.resolveSibling("neighbour.txt"), "not shared\n");
    port = VmTestSupport.freePort();
    base = PodSpec.of(POD, List.of(web(imageA)))
        .withVolumes(List.of(
            VolumeSpec.hostPath("rw", new HostPath(rw, HostPath.Type.DIRECTORY_OR_CREATE)),
            VolumeSpec.hostPath("ro", new HostPath(ro, HostPath.Type.DIRECTORY)),
            VolumeSpec.hostPath("note", new HostPath(note, HostPath.Type.FILE_OR_CREATE))))
        .withPorts(List.of(PortForward.tcp(port, 8080)))
        .withTerminationGracePeriod(Duration.ofSeconds(2));
    provider.create(base);
    bootId = provider.start(POD).vm().orElseThrow().bootId();
  }

  /** httpd serving the read-only hostPath, with every hostPath volume mounted. */
  private static ContainerSpec web(ImageRootfs image) {
    return ContainerSpec.of("web", image, List.of("httpd", "-f", "-p", "8080", "-h", "/ro"))
        .withMounts(mounts());
  }

  private static List<VolumeMount> mounts() {
    return List.of(
        new VolumeMount("rw", "/rw", false, ""),
        new VolumeMount("rw", "/sub", false, "sub"),
        new VolumeMount("ro", "/ro", true, ""),
        new VolumeMount("note", "/etc/note.txt", false, ""));
  }

  @AfterAll
  void cleanUp() {
    VmTestSupport.cleanUp(provider, POD);
  }

  // ---- hostPath

  @Test
  @Order(1)
  void hostPathReadWriteGoesBothWays() throws Exception {
    assertTrue(Files.isDirectory(rw), "DirectoryOrCreate made the directory");
    Result write = exec(provider, POD, "web", "sh", "-c", "echo from-guest > /rw/guest.txt && echo in-sub > /sub/s.txt");
    assertEquals(0, write.exitCode(), write.stderr());
    assertEquals("from-guest\n", Files.readString(rw.resolve("guest.txt")));
    assertEquals("in-sub\n", Files.readString(rw.resolve("sub").resolve("s.txt")), "subPath is inside the volume");

    Files.writeString(rw.resolve("host.txt"), "from-host\n");
    assertEquals("from-host\n", exec(provider, POD, "web", "cat", "/rw/host.txt").stdout());
  }

  @Test
  @Order(2)
  void hostPathReadOnlyRefusesWritesWithErofs() throws Exception {
    assertEquals(INDEX, exec(provider, POD, "web", "cat", "/ro/www-index.html").stdout());
    Result write = exec(provider, POD, "web", "sh", "-c", "echo x > /ro/new.txt");
    assertNotEquals(0, write.exitCode());
    assertTrue(write.stderr().contains("Read-only file system"), write.stderr());
    assertTrue(Files.notExists(ro.resolve("new.txt")));
  }

  @Test
  @Order(3)
  void aHostFileIsSharedAlone() throws Exception {
    assertTrue(Files.isRegularFile(note), "FileOrCreate made the file");
    Result write = exec(provider, POD, "web", "sh", "-c", "echo noted > /etc/note.txt; ls /etc/note.txt");
    assertEquals(0, write.exitCode(), write.stderr());
    assertEquals("noted\n", Files.readString(note));
  }

  // ---- hostPath attacks: nothing a container does reaches host ownership, modes or file types

  @Test
  @Order(4)
  void aSetuidRootBinaryPlantedThroughAHostPathIsNotSetuidOnTheHost() throws Exception {
    Result plant = exec(provider, POD, "web", "sh", "-c",
        "cp /bin/busybox /rw/suid && chown 0:0 /rw/suid && chmod 6755 /rw/suid && stat -c %a /rw/suid");
    assertEquals(0, plant.exitCode(), plant.stderr());
    assertEquals("6755\n", plant.stdout(), "the guest keeps the mode it set");
    int mode = (Integer) Files.getAttribute(rw.resolve("suid"), "unix:mode", LinkOption.NOFOLLOW_LINKS);
    assertEquals(0, mode & 06000, "setuid/setgid reached the host: " + Integer.toOctalString(mode));
    assertEquals(0, mode & 0111, "no execute bit for anyone on the host: " + Integer.toOctalString(mode));
  }

  @Test
  @Order(5)
  void aDeviceNodeMadeInAHostPathIsNoDeviceOnTheHost() throws Exception {
    Result mknod = exec(provider, POD, "web", "sh", "-c",
        "mknod -m 666 /rw/null c 1 3; mknod -m 666 /rw/mem c 1 1; mknod -m 666 /rw/disk b 8 0;"
            + " ls -l /rw/null /rw/mem /rw/disk");
    // Under security_model=none QEMU made the node with the host's mknodat, as root. (On this build
    // machine it then answered ENXIO and left nothing; the guest's mknod failing is a failure too.)
    for (String name : List.of("null", "mem", "disk")) {
      Path node = rw.resolve(name);
      if (Files.exists(node, LinkOption.NOFOLLOW_LINKS)) {
        assertTrue(Files.isRegularFile(node, LinkOption.NOFOLLOW_LINKS), name + " is a device node on the host");
        int mode = (Integer) Files.getAttribute(node, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        assertEquals(0, mode & 077, name + " is open to others on the host: " + Integer.toOctalString(mode));
      }
    }
    assertEquals(0, mknod.exitCode(), mknod.stderr());
    assertTrue(mknod.stdout().contains("crw-rw-rw-") && mknod.stdout().contains("brw-rw-rw-"),
        "the guest sees the devices it made: " + mknod.stdout());
  }

  @Test
  @Order(6)
  void aReadOnlyHostPathIsExportedReadOnlyAndKeepsTheHostFile() throws Exception {
    Result write = exec(provider, POD, "web", "sh", "-c", "echo changed > /ro/www-index.html");
    assertNotEquals(0, write.exitCode());
    assertEquals(INDEX, Files.readString(ro.resolve("www-index.html")));
    String argv = qemuArgv();
    VmRecord vm = new StateDirectory(VmTestSupport.STATE).pod(POD).readVm().orElseThrow();
    VmTestSupport.Export roExport = VmTestSupport.exportOf(vm, ro);
    VmTestSupport.Export rwExport = VmTestSupport.exportOf(vm, rw);
    assertTrue(argv.contains("path=" + roExport.path() + ",security_model=mapped-xattr,readonly=on"), argv);
    assertTrue(argv.contains("path=" + rwExport.path() + ",security_model=mapped-xattr "), argv);
    if (vm.vmUser() != null) {
      // A VM user's QEMU reaches the trees through idmapped mounts of its own: the read-only one is read-only
      // there too, not only in QEMU's export.
      assertTrue(roExport.options().startsWith("ro,") && roExport.options().contains("idmapped"), roExport.toString());
      assertTrue(rwExport.options().startsWith("rw,") && rwExport.options().contains("idmapped"), rwExport.toString());
      for (String option : List.of("nosuid", "nodev", "noexec")) {
        assertTrue(roExport.options().contains(option) && rwExport.options().contains(option), option);
      }
    }
  }

  @Test
  @Order(7)
  void aOneFileHostPathExportsNoNeighbour() throws Exception {
    String argv = qemuArgv();
    Path exported = VmTestSupport.STATE.resolve("pods").resolve(POD).resolve("host-files").resolve("note");
    VmRecord vm = new StateDirectory(VmTestSupport.STATE).pod(POD).readVm().orElseThrow();
    assertTrue(argv.contains("path=" + VmTestSupport.exportOf(vm, exported).path() + ",security_model=mapped-xattr "),
        argv);
    assertTrue(!argv.contains("path=" + note.getParent() + ","), "the file's directory is exported: " + argv);
    try (Stream<Path> files = Files.list(exported)) {
      assertEquals(List.of("note.txt"), files.map(p -> p.getFileName().toString()).toList());
    }
    assertTrue(Files.isSameFile(note, exported.resolve("note.txt")));
    Result look = exec(provider, POD, "web", "sh", "-c", "cat /etc/neighbour.txt; ls /etc");
    assertTrue(!look.stdout().contains("not shared"), look.stdout());
  }

  // ---- network: the host's loopback is out of reach, everything else is not

  @Test
  @Order(8)
  void aContainerCannotReachTheHostsLoopbackButReachesTheHost() throws Exception {
    InetAddress external = VmTestSupport.externalAddress();
    try (Listener loopback = new Listener(InetAddress.getLoopbackAddress());
        Listener outside = new Listener(external)) {
      for (String gateway : List.of("10.0.2.2", "10.0.2.3")) {
        Result r = exec(provider, POD, "web", "sh", "-c",
            "echo hello | nc -w 3 " + gateway + " " + loopback.port() + "; echo exit=$?");
        assertTrue(loopback.accepted().isEmpty(), gateway + " reached the host's 127.0.0.1: " + r.stdout());
      }
      Result r = exec(provider, POD, "web", "sh", "-c",
          "echo hello | nc -w 3 " + external.getHostAddress() + " " + outside.port() + "; echo exit=$?");
      assertEquals(Optional.of("hello"), outside.accepted(), "outbound to " + external + ": " + r.stdout() + r.stderr());
    }
  }

  /** A host TCP server that records the first line a client sends. */
  private static final class Listener implements AutoCloseable {
    private final ServerSocket server;
    private final java.util.concurrent.CompletableFuture<String> line = new java.util.concurrent.CompletableFuture<>();

    Listener(InetAddress address) throws IOException {
      server = new ServerSocket(0, 5, address);
      Thread t = new Thread(() -> {
        try (java.net.Socket s = server.accept()) {
          String first = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
              java.nio.charset.StandardCharsets.UTF_8)).readLine();
          line.complete(first == null ? "" : first); // a connection that sent nothing still got through

        } catch (IOException e) {
          line.completeExceptionally(e);
        }
      });
      t.setDaemon(true);
      t.start();
    }

    int port() {
      return server.getLocalPort();
    }

    /** What a client sent, if one connected within a second. */
    Optional<String> accepted() {
      try {
        return Optional.ofNullable(line.get(1, TimeUnit.SECONDS));
      } catch (Exception e) {
        return Optional.empty();
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }

  @Test
  @Order(9)
  void qemuRunsUnderItsSeccompSandbox() throws Exception {
    assertTrue(qemuArgv().contains(
        " -sandbox on,obsolete=deny,resourcecontrol=deny,elevateprivileges=deny,spawn=deny "), qemuArgv());
    VmRecord vm = new StateDirectory(VmTestSupport.STATE).pod(POD).readVm().orElseThrow();
    List<String> status = Files.readAllLines(Path.of("/proc", Long.toString(vm.pid()), "status"));
    assertTrue(status.contains("Seccomp:\t2"), "QEMU has no seccomp filter: " + status);
  }

  /**
   * The attack: whoever commands QEMU (its monitor, or a guest that took it over) has it run a
   * program, here through an {@code exec:} migration. With {@code spawn=deny} the fork fails and
   * the program never runs; the VM runs on. (Before, QEMU ran it: template VMs saved themselves so.)
   */
  @Test
  @Order(5)
  void qemuCannotRunAnotherProgram() throws Exception {
    Path planted = VmTestSupport.TARGET.resolve("spawned-by-qemu");
    Files.deleteIfExists(planted);
    try (QmpClient qmp = QmpClient.connect(VmTestSupport.STATE.resolve("pods").resolve(POD).resolve("qmp.sock"),
        Duration.ofSeconds(10))) {
      try {
        qmp.execute("migrate", com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()
            .put("uri", "exec:touch " + planted));
      } catch (dev.peapod.provider.qemu.qmp.QmpException e) {
        // refused at once: as good
      }
      Thread.sleep(1000);
      String migration = qmp.execute("query-migrate").path("status").asText("");
      assertTrue(!migration.equals("completed") && !migration.equals("active"), "migration " + migration);
    }
    assertTrue(Files.notExists(planted), "QEMU ran a program");
    VmRecord vm = new StateDirectory(VmTestSupport.STATE).pod(POD).readVm().orElseThrow();
    assertTrue(ProcessHandle.of(vm.pid()).map(ProcessHandle::isAlive).orElse(false), "the VM runs on");
  }

  /**
   * QEMU's host memory is bounded: its address space limit (RLIMIT_AS) is guest RAM plus the TCG
   * buffer plus 1 GiB, and what it used so far (VmPeak, printed) fits under it with room to spare.
   */
  @Test
  @Order(5)
  void qemuHostMemoryIsBounded() throws Exception {
    VmRecord vm = new StateDirectory(VmTestSupport.STATE).pod(POD).readVm().orElseThrow();
    long limit = ((long) vm.resources().memoryMiB() + VmTestSupport.config().tbSizeMiB() + 1024) << 20;
    String line = Files.readAllLines(Path.of("/proc", Long.toString(vm.pid()), "limits")).stream()
        .filter(l -> l.startsWith("Max address space")).findFirst().orElseThrow();
    assertEquals(List.of("Max address space", Long.toString(limit), Long.toString(limit), "bytes"),
        List.of(line.split("\\s{2,}")), line);
    long peak = Files.readAllLines(Path.of("/proc", Long.toString(vm.pid()), "status")).stream()
        .filter(l -> l.startsWith("VmPeak:")).map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) << 10)
        .findFirst().orElseThrow();
    System.out.printf("[memory] QEMU VmPeak %d MiB of its %d MiB address space limit (guest %d MiB)%n",
        peak >> 20, limit >> 20, vm.resources().memoryMiB());
    assertTrue(peak < limit - (256L << 20), "less than 256 MiB of headroom: VmPeak " + (peak >> 20) + " MiB");
  }

  /** The running QEMU's command line, arguments separated by spaces. */
  private String qemuArgv() throws IOException {
    VmRecord vm = new StateDirectory(VmTestSupport.STATE).pod(POD).readVm().orElseThrow();
    byte[] cmdline = Files.readAllBytes(Path.of("/proc", Long.toString(vm.pid()), "cmdline"));
    return new String(cmdline, java.nio.charset.StandardCharsets.UTF_8).replace('\0', ' ');
  }

  // ---- images

  @Test
  @Order(10)
  void replaceBringsAnImageTheVmBootedWithout() throws Exception {
    PodSpec next = base.withContainers(List.of(web(imageA),
        ContainerSpec.of("b", imageB, List.of("sh", "-c", "echo hello-from-b; cat /marker-b; exec sleep 100000"))));

    long t0 = System.nanoTime();
    PodStatus replaced = provider.replace(POD, next);
    System.out.printf("[timing] replace bringing a new image over 9p: %d ms%n", (System.nanoTime() - t0) / 1_000_000);

    assertEquals(bootId, replaced.vm().orElseThrow().bootId(), "same VM");
    assertEquals("test:busybox-b", replaced.container("b").orElseThrow().imageId());
    assertEquals("b\n", exec(provider, POD, "b", "cat", "/marker-b").stdout());
    assertTrue(awaitLog("b", "hello-from-b\nb\n"), "the new container's output is in its log");
    assertNotEquals(0, exec(provider, POD, "b", "test", "-e", "/www/index.html").exitCode(),
        "b runs from its own image, not busybox-a");
  }

  @Test
  @Order(11)
  void containerStartFromBlockDeviceAndFromShareCompared() throws Exception {
    // ADD_CONTAINER alone, straight over the protocol: the same container from the image the VM
    // booted with (virtio-blk, mounted once and kept) and from one it did not (9p share + loop device,
    // set up and torn down with each container).
    Path share = VmTestSupport.STATE.resolve("pods").resolve(POD).resolve("images");
    Files.deleteIfExists(share.resolve("c.erofs"));
    Files.createLink(share.resolve("c.erofs"), imageC.path());
    provider.close(); // QEMU serves one client: let go of the provider's connection
    List<Long> blk = new ArrayList<>();
    List<Long> file = new ArrayList<>();
    try (GuestConnection c = GuestConnection.open(share.resolveSibling("ctl.sock"), "timing", GuestListener.NONE,
        Duration.ofSeconds(30))) {
      Duration t = Duration.ofSeconds(30);
      c.call(Wire.MSG_DESTROY_POD, GuestMessages.grace(Duration.ZERO), t);
      c.call(Wire.MSG_START_POD, GuestMessages.startPod(PodSpec.of(POD, List.of()), java.time.Instant.now()), t);
      ContainerSpec x = ContainerSpec.of("x", imageA, List.of("true"));
      for (int i = 0; i < 7; i++) {
        blk.add(timedAdd(c, GuestMessages.addContainer(x, GuestImage.device("img0"), Duration.ZERO)));
        file.add(timedAdd(c, GuestMessages.addContainer(x, GuestImage.sharedFile("c.erofs"), Duration.ZERO)));
      }
      c.call(Wire.MSG_DESTROY_POD, GuestMessages.grace(Duration.ZERO), t);
    }
    System.out.printf("[timing] ADD_CONTAINER, median of 7: image on virtio-blk %d ms, image file over 9p + loop %d ms%n",
        median(blk), median(file));
    Files.delete(share.resolve("c.erofs"));
  }

  private static long timedAdd(GuestConnection c, dev.peapod.provider.qemu.guest.Fields add) {
    long t0 = System.nanoTime();
    c.call(Wire.MSG_ADD_CONTAINER, add, Duration.ofSeconds(30));
    long took = (System.nanoTime() - t0) / 1_000_000;
    c.call(Wire.MSG_REMOVE_CONTAINER, dev.peapod.provider.qemu.guest.Fields.builder().str(Wire.F_CONTAINER, "x")
        .u32(Wire.F_GRACE_MS, 0).build(), Duration.ofSeconds(30));
    return took;
  }

  private static long median(List<Long> values) {
    List<Long> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get(sorted.size() / 2);
  }

  @Test
  @Order(12)
  void fiftyReplacesReuseTheirLoopDevices() {
    for (int i = 0; i < 50; i++) {
      ImageRootfs image = i % 2 == 0 ? imageB : imageC; // both come through the share: a loop device each time
      provider.replace(POD, base.withContainers(List.of(ContainerSpec.of("x", image, List.of("sleep", "100000")))));
    }
    // guest-init keeps up to two images no container uses mounted (a replace usually brings them back):
    // here the one in use and the other one, each on its own loop device, reused by every replace.
    Result bound = exec(provider, POD, "x", "sh", "-c", "cat /sys/block/loop*/loop/backing_file");
    assertEquals(2, bound.stdout().lines().count(), "the image in use and the kept one: " + bound.stdout());
    assertTrue(bound.stdout().contains("busybox-c") || bound.stdout().contains("test_busybox-c"), bound.stdout());
    Result all = exec(provider, POD, "x", "sh", "-c", "ls /sys/block | grep -c loop");
    assertTrue(Integer.parseInt(all.stdout().strip()) <= 3, "loop devices are reused, not piled up: " + all.stdout());
    assertEquals(bootId, provider.inspect(POD).orElseThrow().vm().orElseThrow().bootId());
  }

  // ---- ports

  @Test
  @Order(20)
  void replaceMovesThePortForwardInTheSameVm() throws Exception {
    provider.replace(POD, base);
    assertEquals(INDEX, awaitGet(port));

    int moved = VmTestSupport.freePort();
    PodStatus replaced = provider.replace(POD, base.withPorts(List.of(PortForward.tcp(moved, 8080))));

    assertEquals(bootId, replaced.vm().orElseThrow().bootId());
    assertEquals(INDEX, awaitGet(moved));
    assertThrows(ConnectException.class, () -> get(port), "the old forward is gone");
    VmRecord vm = new StateDirectory(VmTestSupport.STATE).pod(POD).readVm().orElseThrow();
    assertEquals(List.of(PortForward.tcp(moved, 8080)), vm.ports(), "vm.json says what QEMU forwards");
    port = moved;
    base = base.withPorts(List.of(PortForward.tcp(moved, 8080)));
  }

  @Test
  @Order(21)
  void aTakenHostPortIsAClearErrorAndTheOldForwardStays() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int busy = taken.getLocalPort();
      PodSpec wanted = base.withPorts(List.of(PortForward.tcp(busy, 8080)))
          .withContainers(List.of(web(imageB)));
      ProviderException e = assertThrows(ProviderException.class, () -> provider.replace(POD, wanted));
      assertTrue(e.getMessage().contains("cannot forward host port 127.0.0.1:" + busy + "->8080/tcp (is the port in use?)"),
          e.getMessage());
    }
    assertEquals(INDEX, get(port), "the old forward still works");
    PodStatus status = provider.inspect(POD).orElseThrow();
    assertEquals(PodState.RUNNING, status.state());
    assertEquals(base.ports(), status.spec().ports());
    assertEquals("test:busybox-a", status.container("web").orElseThrow().imageId(), "the old containers still run");
  }

  @Test
  @Order(22)
  void hostPathChangesStillNeedANewVm() {
    RecreateRequiredException e = assertThrows(RecreateRequiredException.class,
        () -> provider.replace(POD, base.withVolumes(base.volumes().subList(0, 2))
            .withContainers(List.of(ContainerSpec.of("x", imageA, List.of("true"))))));
    assertTrue(e.getMessage().contains("hostPath volume \"note\""), e.getMessage());
  }

  // ---- helpers

  private static String get(int hostPort) throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + hostPort + "/www-index.html"))
        .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    return r.body();
  }

  /** GET once httpd listens: a replace returns when the process started, not when it serves. */
  private static String awaitGet(int hostPort) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        return get(hostPort);
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(200);
      }
    }
  }

  private boolean awaitLog(String container, String text) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      try (Stream<LogRecord> s = provider.logs(POD, LogQuery.of(container))) {
        if (s.map(LogRecord::text).collect(Collectors.joining()).contains(text)) {
          return true;
        }
      }
      Thread.sleep(200);
    }
    return false;
  }
}
