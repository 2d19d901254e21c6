package dev.peapod.provider.qemu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.provider.PortForward;
import dev.peapod.provider.qemu.runtime.SamePageMerging;
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
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher itself (perl with Linux's constants, no modules), run against sockets this JVM serves. */
class PeerCheckedConnectTest {

  @TempDir
  Path dir;

  private static int ownUid() throws Exception {
    return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
  }

  private PeerCheckedConnect.Launch launch(String socket, int peerUid, SamePageMerging merging, String log,
      List<String> program) {
    return PeerCheckedConnect.Launch.of(socket, peerUid, merging, dir.resolve(log), false, program);
  }

  /** Whether the launched process {@code pid} runs (a zombie does not: it is not this JVM's child, init reaps it). */
  private static boolean alive(long pid) {
    return dev.peapod.provider.qemu.runtime.HostProcess.isAlive(pid);
  }

  /** Waits until the launched process {@code pid} has ended. */
  private static void awaitEnd(long pid) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (alive(pid)) {
      assertTrue(System.nanoTime() < deadline, "process " + pid + " still runs");
      Thread.sleep(5);
    }
  }

  /** Runs the launcher on t.sock with {@code program}; returns what the program wrote to its log and its pid. */
  private Result launch(int peerUid, SamePageMerging merging, String program) throws Exception {
    Path socket = dir.resolve("t.sock");
    Files.deleteIfExists(socket);
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(socket));
      long pid = PeerCheckedConnect.start(dir, "perl", List.of(launch("t.sock", peerUid, merging, "out.log",
          List.of("sh", "-c", program)))).get(0);
      server.configureBlocking(false);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      SocketChannel accepted = null;
      while (accepted == null && alive(pid) && System.nanoTime() < deadline) {
        accepted = server.accept();
        Thread.sleep(2);
      }
      if (accepted != null) {
        try {
          accepted.write(ByteBuffer.wrap("from the socket\n".getBytes(StandardCharsets.UTF_8)));
          accepted.shutdownOutput();
        } catch (java.io.IOException e) {
          // a refused launcher closed its end first
        }
      }
      awaitEnd(pid);
      if (accepted != null) {
        accepted.close();
      }
      return new Result(Files.readString(dir.resolve("out.log")), pid);
    }
  }

  private record Result(String out, long pid) {}

  @Test
  void theProgramGetsTheSocketAsStdinInASessionOfItsOwnMarkedAsAsked() throws Exception {
    Result r = launch(ownUid(), SamePageMerging.HELPERS,
        "read line; echo \"$line\"; echo \"pid $$ sid $(cut -d' ' -f6 /proc/$$/stat)\";"
            + " cat /proc/self/ksm_stat 2>/dev/null || echo 'ksm_merge_any: yes'");
    assertTrue(r.out().startsWith("from the socket\n"), r.out());
    // the pid the launcher reported is the program's (exec keeps its child's pid), and it leads its own session
    assertTrue(r.out().contains("pid " + r.pid() + " sid " + r.pid()), r.out());
    // a kernel before 6.6 has no ksm_stat (nothing to check there); one that has it says so
    assertTrue(r.out().contains("ksm_merge_any: yes"), r.out());
  }

  @Test
  void unmarkedWhenMergingIsOff() throws Exception {
    Result r = launch(ownUid(), SamePageMerging.OFF, "cat /proc/self/ksm_stat 2>/dev/null || echo none");
    assertTrue(r.out().contains("ksm_merge_any: no") || r.out().contains("none"), r.out());
  }

  /** A socket another uid serves is refused before the program runs: it never reads a byte of it. */
  @Test
  void aSocketServedByAnotherUidIsRefused() throws Exception {
    int other = ownUid() + 12345;
    Result r = launch(other, SamePageMerging.OFF, "echo ran");
    assertTrue(r.out().contains("t.sock is served by uid " + ownUid() + ", not by the VM's QEMU (uid " + other
        + "): refused, nothing was sent"), r.out());
    assertFalse(r.out().contains("ran"), r.out());
  }

  @Test
  void noListenerFailsTheLaunch() throws Exception {
    long pid = PeerCheckedConnect.start(dir, "perl", List.of(launch("none.sock", ownUid(), SamePageMerging.OFF,
        "out.log", List.of("echo", "ran")))).get(0);
    awaitEnd(pid);
    String out = Files.readString(dir.resolve("out.log"));
    assertTrue(out.startsWith("connect none.sock: No such file or directory"), out);
  }

  /** An appended log keeps what it held; a truncated one (passt's) starts empty. */
  @Test
  void aLogIsAppendedToOrTruncatedAsAsked() throws Exception {
    Files.writeString(dir.resolve("a.log"), "before\n");
    Files.writeString(dir.resolve("w.log"), "before\n");
    List<Long> pids = PeerCheckedConnect.start(dir, "perl", List.of(
        PeerCheckedConnect.Launch.of("none.sock", ownUid(), SamePageMerging.OFF, dir.resolve("a.log"), true,
            List.of("true")),
        PeerCheckedConnect.Launch.of("none.sock", ownUid(), SamePageMerging.OFF, dir.resolve("w.log"), false,
            List.of("true"))));
    for (long pid : pids) {
      awaitEnd(pid);
    }
    assertTrue(Files.readString(dir.resolve("a.log")).startsWith("before\nconnect none.sock"));
    assertTrue(Files.readString(dir.resolve("w.log")).startsWith("connect none.sock"));
  }

  /**
   * One launcher starts several programs, each in a process of its own, in a session of its own, on its own
   * socket and with its own log: a warm start's two log writers and passt.
   */
  @Test
  void oneLauncherStartsEachProgramOnItsOwnSocket() throws Exception {
    List<ServerSocketChannel> servers = new ArrayList<>();
    List<PeerCheckedConnect.Launch> launches = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(dir.resolve(i + ".sock")));
        servers.add(server);
        launches.add(launch(i + ".sock", ownUid(), SamePageMerging.OFF, i + ".log", List.of("sh", "-c",
            "read line; echo \"$line pid $$ sid $(cut -d' ' -f6 /proc/$$/stat)\"")));
      }
      long launcherStart = System.nanoTime();
      List<Long> pids = PeerCheckedConnect.start(dir, "perl", launches);
      System.out.println("[launch] 3 programs forked " + (System.nanoTime() - launcherStart) / 1_000_000
          + " ms after the launcher started");
      assertEquals(3, pids.size());
      assertEquals(3, pids.stream().distinct().count(), "a process each");
      for (int i = 0; i < 3; i++) {
        try (SocketChannel accepted = servers.get(i).accept()) {
          accepted.write(ByteBuffer.wrap(("socket " + i + "\n").getBytes(StandardCharsets.UTF_8)));
          awaitEnd(pids.get(i));
        }
      }
      for (int i = 0; i < 3; i++) {
        assertEquals("socket " + i + " pid " + pids.get(i) + " sid " + pids.get(i) + "\n",
            Files.readString(dir.resolve(i + ".log")));
      }
    } finally {
      for (ServerSocketChannel server : servers) {
        server.close();
      }
    }
  }

  /** A launcher that cannot run fails the launch, naming why. */
  @Test
  void aLauncherThatCannotRunFailsTheLaunch() throws Exception {
    PeerCheckedConnect.LaunchException e = assertThrows(PeerCheckedConnect.LaunchException.class,
        () -> PeerCheckedConnect.start(dir, dir.resolve("no-perl").toString(), List.of(launch("t.sock", 0,
            SamePageMerging.OFF, "out.log", List.of("true")))));
    assertTrue(e.getMessage().contains("no-perl"), e.getMessage());
  }

  /**
   * A batch runs its launches once every slot is done, with one launcher; a slot done without a launch (passt's
   * start failed before it, a taken port) lets the others run.
   */
  @Test
  void aBatchRunsOnceEverySlotIsDoneWithOneLauncher() throws Exception {
    Path counting = dir.resolve("counting-perl");
    Files.writeString(counting, "#!/bin/bash\necho launcher >> " + dir.resolve("launchers") + "\nexec perl \"$@\"\n");
    Files.setPosixFilePermissions(counting, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    PeerCheckedConnect.Batch batch = new PeerCheckedConnect.Batch(dir, counting.toString());
    PeerCheckedConnect.Batch.Slot logs = batch.slot();
    PeerCheckedConnect.Batch.Slot net = batch.slot();
    PeerCheckedConnect.Batch.Slot failed = batch.slot();
    CompletableFuture<Long> first = logs.launch(launch("none.sock", ownUid(), SamePageMerging.OFF, "1.log",
        List.of("true")));
    CompletableFuture<Long> second = logs.launch(launch("none.sock", ownUid(), SamePageMerging.OFF, "2.log",
        List.of("true")));
    logs.done();
    CompletableFuture<Long> third = net.launch(launch("none.sock", ownUid(), SamePageMerging.OFF, "3.log",
        List.of("true")));
    net.done();
    Thread.sleep(100);
    assertFalse(first.isDone() || third.isDone(), "nothing runs while a slot is open");
    failed.done();
    failed.done();
    List<Long> pids = List.of(first.get(10, TimeUnit.SECONDS), second.get(10, TimeUnit.SECONDS),
        third.get(10, TimeUnit.SECONDS));
    assertEquals(3, pids.stream().distinct().count());
    for (long pid : pids) {
      awaitEnd(pid);
    }
    assertEquals("launcher\n", Files.readString(dir.resolve("launchers")), "one launcher for the three");
    for (int i = 1; i <= 3; i++) {
      assertTrue(Files.readString(dir.resolve(i + ".log")).startsWith("connect none.sock"));
    }
    assertThrows(IllegalStateException.class, () -> logs.launch(launch("none.sock", 0, SamePageMerging.OFF,
        "4.log", List.of("true"))), "a slot done launches nothing more");
  }

  /** A wrapper of perl whose launcher kills itself right after its first fork, before it printed that child's pid. */
  private Path perlKilledAfterItsFirstFork() throws Exception {
    Path wrapper = dir.resolve("killed-perl");
    Files.writeString(wrapper, "#!/bin/bash\nscript=\"$2\"; shift 2\n"
        + "exec perl -e 'BEGIN { *CORE::GLOBAL::fork = sub { my $p = CORE::fork();"
        + " kill(\"KILL\", $$) if $p; return $p; } }' -e \"$script\" \"$@\"\n");
    Files.setPosixFilePermissions(wrapper, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    return wrapper;
  }

  /**
   * A launcher killed half way (between a fork and the pid's line: the caller never learns the child's pid, so it
   * cannot kill it) leaves no program running: its children wait for its go, which never comes. Before, the child
   * went on and ran the program.
   */
  @Test
  void aLauncherKilledBeforeItPrintedAPidLeavesNoProgramRunning() throws Exception {
    Path socket = dir.resolve("t.sock");
    Path ran = dir.resolve("ran");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(socket));
      PeerCheckedConnect.LaunchException e = assertThrows(PeerCheckedConnect.LaunchException.class,
          () -> PeerCheckedConnect.start(dir, perlKilledAfterItsFirstFork().toString(), List.of(launch("t.sock",
              ownUid(), SamePageMerging.OFF, "out.log", List.of("sh", "-c", "echo ran > " + ran)))));
      assertTrue(e.getMessage().contains("started 0 of 1"), e.getMessage());
      Thread.sleep(1000);
      assertFalse(Files.exists(ran), "the child the launcher never reported ran its program");
      assertFalse(Files.exists(dir.resolve("out.log")), "nor opened its log");
    }
  }

  /**
   * A log path holding a newline and a number (a PEAPOD_HOME may be named anything) is not read back as a pid:
   * the launcher said "! INDEX PATH: ERROR", whose second line was taken for a pid, and the count's mismatch
   * killed it (as root, any process of the host). The victim here is a process of this test.
   */
  @Test
  void aLogPathHoldingANumberGetsNoProcessKilled() throws Exception {
    Process victim = new ProcessBuilder("sleep", "60").start();
    try {
      String log = "home\n" + victim.pid() + "\n/pods/p/net.log";
      PeerCheckedConnect.LaunchException e = assertThrows(PeerCheckedConnect.LaunchException.class,
          () -> PeerCheckedConnect.start(dir, "perl", List.of(launch("none.sock", ownUid(), SamePageMerging.OFF, log,
              List.of("true")))));
      assertTrue(e.getMessage().contains("cannot open the log of true"), e.getMessage());
      Thread.sleep(300);
      assertTrue(victim.isAlive(), "the process named in the log's path was killed: " + e.getMessage());
    } finally {
      victim.destroyForcibly();
    }
  }

  /**
   * A program that cannot open its log fails its launch, and only its own: before, it ended silently, and a later
   * "passt ended: <its log>" read what the passt before it had written there.
   */
  @Test
  void aProgramThatCannotOpenItsLogFailsItsOwnLaunch() throws Exception {
    PeerCheckedConnect.Batch batch = new PeerCheckedConnect.Batch(dir, "perl");
    PeerCheckedConnect.Batch.Slot a = batch.slot();
    PeerCheckedConnect.Batch.Slot b = batch.slot();
    CompletableFuture<Long> unopened = a.launch(launch("none.sock", ownUid(), SamePageMerging.OFF,
        "no-such-dir/net.log", List.of("true")));
    a.done();
    CompletableFuture<Long> fine = b.launch(launch("none.sock", ownUid(), SamePageMerging.OFF, "ok.log",
        List.of("true")));
    b.done();
    ExecutionException e = assertThrows(ExecutionException.class, () -> unopened.get(10, TimeUnit.SECONDS));
    assertTrue(e.getCause() instanceof PeerCheckedConnect.LaunchException, e.toString());
    assertTrue(e.getCause().getMessage().contains("cannot open the log of true, " + dir.resolve("no-such-dir/net.log")
        + ": No such file or directory"), e.getCause().getMessage());
    awaitEnd(fine.get(10, TimeUnit.SECONDS));
    assertTrue(Files.readString(dir.resolve("ok.log")).startsWith("connect none.sock"));
    PeerCheckedConnect.LaunchException alone = assertThrows(PeerCheckedConnect.LaunchException.class,
        () -> PeerCheckedConnect.start(dir, "perl", List.of(launch("none.sock", ownUid(), SamePageMerging.OFF,
            "no-such-dir/net.log", List.of("true")))));
    assertTrue(alone.getMessage().contains("no-such-dir/net.log"), alone.getMessage());
  }

  /**
   * A launch its user gave up on while its batch waited for the other slots (passt's wait timed out) is not run when
   * the batch runs; before, that passt ran later and nobody killed it.
   */
  @Test
  void aLaunchGivenUpOnIsNotRunByItsBatch() throws Exception {
    Path socket = dir.resolve("t.sock");
    Path ran = dir.resolve("ran");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(socket));
      PeerCheckedConnect.Batch batch = new PeerCheckedConnect.Batch(dir, "perl");
      PeerCheckedConnect.Batch.Slot net = batch.slot();
      PeerCheckedConnect.Batch.Slot logs = batch.slot();
      CompletableFuture<Long> passt = net.launch(launch("t.sock", ownUid(), SamePageMerging.OFF, "net.log",
          List.of("sh", "-c", "echo ran > " + ran + "; exec sleep 600")));
      net.done();
      PeerCheckedConnect.killWhenLaunched(passt); // its waiter timed out
      CompletableFuture<Long> writer = logs.launch(launch("none.sock", ownUid(), SamePageMerging.OFF, "w.log",
          List.of("true")));
      logs.done();
      awaitEnd(writer.get(10, TimeUnit.SECONDS));
      Thread.sleep(500);
      assertTrue(passt.isCancelled());
      assertFalse(Files.exists(ran), "the launch given up on ran");
      assertFalse(Files.exists(dir.resolve("net.log")));
    }
  }

  /**
   * A batch's launcher is started with the batch and waits for its launches; a program's argument may be empty; a
   * cancelled batch's launcher ends without starting anything.
   */
  @Test
  void aBatchsLauncherStartsAheadAndWaitsForItsLaunches() throws Exception {
    Path counting = dir.resolve("counting-perl");
    Files.writeString(counting, "#!/bin/bash\necho launcher >> " + dir.resolve("launchers") + "\nexec perl \"$@\"\n");
    Files.setPosixFilePermissions(counting, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    PeerCheckedConnect.Batch batch = new PeerCheckedConnect.Batch(dir, counting.toString());
    for (int i = 0; i < 100 && !Files.exists(dir.resolve("launchers")); i++) {
      Thread.sleep(50);
    }
    assertEquals("launcher\n", Files.readString(dir.resolve("launchers")), "started before any slot");
    PeerCheckedConnect.Batch.Slot slot = batch.slot();
    CompletableFuture<Long> pid = slot.launch(launch("none.sock", ownUid(), SamePageMerging.OFF, "1.log",
        List.of("true", "", "x")));
    slot.done();
    awaitEnd(pid.get(10, TimeUnit.SECONDS));
    assertTrue(Files.readString(dir.resolve("1.log")).startsWith("connect none.sock"));

    PeerCheckedConnect.Batch cancelled = new PeerCheckedConnect.Batch(dir, "perl");
    cancelled.cancel();
    assertThrows(IllegalStateException.class, cancelled::slot);
  }

  /** A batch whose launcher cannot run fails every launch of it. */
  @Test
  void aFailedBatchFailsEachLaunch() throws Exception {
    PeerCheckedConnect.Batch batch = new PeerCheckedConnect.Batch(dir, dir.resolve("no-perl").toString());
    PeerCheckedConnect.Batch.Slot a = batch.slot();
    PeerCheckedConnect.Batch.Slot b = batch.slot();
    CompletableFuture<Long> first = a.launch(launch("t.sock", 0, SamePageMerging.OFF, "1.log", List.of("true")));
    a.done();
    CompletableFuture<Long> second = b.launch(launch("t.sock", 0, SamePageMerging.OFF, "2.log", List.of("true")));
    b.done();
    for (CompletableFuture<Long> f : List.of(first, second)) {
      ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
      assertTrue(e.getCause() instanceof PeerCheckedConnect.LaunchException, e.toString());
    }
  }

  @Test
  void passtOnARunningGuestIsLaunchedWakingIt() {
    PeerCheckedConnect.Launch launch = new PasstNetwork("passt", SamePageMerging.OFF).launch(
        List.of(PortForward.tcp(8080, 80)), 7, true, Path.of("/p/net.log"));
    assertEquals(List.of("net.sock", "7", "0", "/p/net.log", ">", "0a00020f", "1.000", "passt"),
        launch.arguments().subList(1, 9));
  }

  private PeerCheckedConnect.Launch waking(Path socket, int uid, Duration wait, List<String> program) {
    return PeerCheckedConnect.Launch.of(socket.toString(), uid, SamePageMerging.OFF, dir.resolve("out.log"), false,
        program).wakingGuest("10.0.2.15", wait);
  }

  /**
   * The guest is sent an ARP probe for its address, whose answer the launched program reads first
   * (passt learns the guest's MAC address from it); the program runs only once the answer is there.
   */
  @Test
  void theGuestIsProbedAndItsAnswerIsLeftForTheProgram() throws Exception {
    Path socket = dir.resolve("net.sock");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(socket));
      Path out = dir.resolve("out");
      long pid = PeerCheckedConnect.start(dir, "perl", List.of(waking(socket, ownUid(), Duration.ofSeconds(5),
          List.of("sh", "-c", "head -c 6 > " + out)))).get(0);
      try (SocketChannel qemu = server.accept()) {
        ByteBuffer frame = ByteBuffer.allocate(64);
        while (frame.hasRemaining() && qemu.read(frame) >= 0) {
          // a frame comes in pieces at most
        }
        frame.flip();
        assertEquals(60, frame.getInt(), "a length-prefixed minimum Ethernet frame");
        byte[] ethernet = new byte[60];
        frame.get(ethernet);
        HexFormat hex = HexFormat.of();
        assertEquals("ffffffffffff" + PeerCheckedConnect.PROBE_MAC + "0806", hex.formatHex(ethernet, 0, 14),
            "broadcast, from the probe's address, ARP");
        assertEquals("0001080006040001" + PeerCheckedConnect.PROBE_MAC + "00000000" + "000000000000" + "0a00020f",
            hex.formatHex(ethernet, 14, 42), "a request for 10.0.2.15 from 0.0.0.0 (a probe: the guest learns nothing)");
        Thread.sleep(300);
        assertTrue(alive(pid), "the launched process waits for the answer");
        assertFalse(Files.exists(out), "the program does not run before the guest answered");
        qemu.write(ByteBuffer.wrap("answer".getBytes(StandardCharsets.US_ASCII)));
        awaitEnd(pid);
      }
      assertArrayEquals("answer".getBytes(StandardCharsets.US_ASCII), Files.readAllBytes(out),
          "the guest's answer was left in the socket for the program: " + Files.readString(dir.resolve("out.log")));
    }
  }

  @Test
  void aGuestThatDoesNotAnswerDelaysTheProgramOnlyUntilTheWaitEnds() throws Exception {
    Path socket = dir.resolve("net.sock");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(socket));
      Path out = dir.resolve("out");
      long t0 = System.nanoTime();
      long pid = PeerCheckedConnect.start(dir, "perl", List.of(waking(socket, ownUid(), Duration.ofMillis(200),
          List.of("sh", "-c", "echo ran > " + out)))).get(0);
      try (SocketChannel qemu = server.accept()) {
        awaitEnd(pid);
      }
      assertTrue(System.nanoTime() - t0 >= Duration.ofMillis(200).toNanos(), "after the wait");
      assertEquals("ran\n", Files.readString(out));
    }
  }

  /** The waking launcher checks the peer as the plain one does, before it sends the probe. */
  @Test
  void aSocketServedByAnotherUidIsSentNoProbe() throws Exception {
    Path socket = dir.resolve("net.sock");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(socket));
      long pid = PeerCheckedConnect.start(dir, "perl", List.of(waking(socket, ownUid() + 12345,
          Duration.ofSeconds(5), List.of("true")))).get(0);
      try (SocketChannel qemu = server.accept()) {
        awaitEnd(pid);
        assertEquals(-1, qemu.read(ByteBuffer.allocate(64)), "no probe was sent");
      }
      assertTrue(Files.readString(dir.resolve("out.log")).contains("refused, nothing was sent"));
    }
  }

  /** On an architecture whose system call numbers Peapod does not know, the launcher is refused, not made with x86-64's. */
  @Test
  void anUnknownArchitectureIsRefused() {
    assertTrue(PeerCheckedConnect.forArchitecture(PeerCheckedConnect.SCRIPT, "aarch64").contains("syscall(167, 67,"));
    assertTrue(PeerCheckedConnect.forArchitecture(PeerCheckedConnect.SCRIPT, "amd64").contains("syscall(112)"));
    assertNotEquals(PeerCheckedConnect.SCRIPT, PeerCheckedConnect.script());
    UnsupportedOperationException refused = assertThrows(
        UnsupportedOperationException.class, () -> PeerCheckedConnect.forArchitecture(PeerCheckedConnect.SCRIPT,
            "loongarch64"));
    assertTrue(refused.getMessage().contains("not of loongarch64"), refused.getMessage());
  }
}
