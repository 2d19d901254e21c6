package dev.peapod.provider.qemu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher itself (perl with Linux's constants, no modules), run against a socket this JVM serves. */
class PeerCheckedConnectTest {

  @TempDir
  Path dir;

  private static int ownUid() throws Exception {
    return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
  }

  /** Runs the launcher on sock with {@code program}; returns what the program printed and its exit code. */
  private Result launch(int peerUid, SamePageMerging merging, String program) throws Exception {
    Path socket = dir.resolve("t.sock");
    Files.deleteIfExists(socket);
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(socket));
      Process p = new ProcessBuilder(PeerCheckedConnect.argv("t.sock", peerUid, merging,
          List.of("sh", "-c", program)))
          .directory(dir.toFile()).redirectErrorStream(true).start();
      server.configureBlocking(false);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      SocketChannel accepted = null;
      while (accepted == null && p.isAlive() && System.nanoTime() < deadline) {
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
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(p.waitFor(20, TimeUnit.SECONDS));
      if (accepted != null) {
        accepted.close();
      }
      return new Result(out, p.exitValue(), p.pid());
    }
  }

  private record Result(String out, int exit, long pid) {}

  @Test
  void theProgramGetsTheSocketAsStdinInASessionOfItsOwnMarkedAsAsked() throws Exception {
    Result r = launch(ownUid(), SamePageMerging.HELPERS,
        "read line; echo \"$line\"; echo \"pid $$ sid $(cut -d' ' -f6 /proc/$$/stat)\";"
            + " cat /proc/self/ksm_stat 2>/dev/null || echo 'ksm_merge_any: yes'");
    assertEquals(0, r.exit(), r.out());
    assertTrue(r.out().startsWith("from the socket\n"), r.out());
    // exec keeps the launcher's pid, and it leads its own session
    assertTrue(r.out().contains("pid " + r.pid() + " sid " + r.pid()), r.out());
    // a kernel before 6.6 has no ksm_stat (nothing to check there); one that has it says so
    assertTrue(r.out().contains("ksm_merge_any: yes"), r.out());
  }

  @Test
  void unmarkedWhenMergingIsOff() throws Exception {
    Result r = launch(ownUid(), SamePageMerging.OFF, "cat /proc/self/ksm_stat 2>/dev/null || echo none");
    assertEquals(0, r.exit(), r.out());
    assertTrue(r.out().contains("ksm_merge_any: no") || r.out().contains("none"), r.out());
  }

  /** A socket another uid serves is refused before the program runs: it never reads a byte of it. */
  @Test
  void aSocketServedByAnotherUidIsRefused() throws Exception {
    int other = ownUid() + 12345;
    Result r = launch(other, SamePageMerging.OFF, "echo ran");
    assertNotEquals(0, r.exit(), r.out());
    assertTrue(r.out().contains("t.sock is served by uid " + ownUid() + ", not by the VM's QEMU (uid " + other
        + "): refused, nothing was sent"), r.out());
    assertTrue(!r.out().contains("ran"), r.out());
  }

  @Test
  void noListenerFailsTheLaunch() throws Exception {
    Process p = new ProcessBuilder(PeerCheckedConnect.argv("none.sock", ownUid(), SamePageMerging.OFF,
        List.of("echo", "ran"))).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertNotEquals(0, p.waitFor(), out);
    assertTrue(out.startsWith("connect none.sock: No such file or directory"), out);
  }

  @Test
  void passtOnARunningGuestIsLaunchedByTheWakingScript() {
    List<String> argv = new PasstNetwork("passt", SamePageMerging.OFF).argv(List.of(PortForward.tcp(8080, 80)), 7, true);
    assertEquals(List.of("perl", "-e", PeerCheckedConnect.forHost(PeerCheckedConnect.WAKING_SCRIPT), "net.sock",
        "7", "0", "0a00020f", "1.000", "passt"), argv.subList(0, 9));
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
      Process launcher = new ProcessBuilder(PeerCheckedConnect.argvWakingGuest(socket.toString(), ownUid(),
          SamePageMerging.OFF, "10.0.2.15", Duration.ofSeconds(5), List.of("sh", "-c", "head -c 6 > " + out)))
          .redirectErrorStream(true).start();
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
        assertTrue(launcher.isAlive(), "the program does not run before the guest answered");
        qemu.write(ByteBuffer.wrap("answer".getBytes(StandardCharsets.US_ASCII)));
        assertTrue(launcher.waitFor(10, TimeUnit.SECONDS), "the program ran and ended");
      }
      String output = new String(launcher.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(0, launcher.exitValue(), output);
      assertArrayEquals("answer".getBytes(StandardCharsets.US_ASCII), Files.readAllBytes(out),
          "the guest's answer was left in the socket for the program");
    }
  }

  @Test
  void aGuestThatDoesNotAnswerDelaysTheProgramOnlyUntilTheWaitEnds() throws Exception {
    Path socket = dir.resolve("net.sock");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(socket));
      Path out = dir.resolve("out");
      long t0 = System.nanoTime();
      Process launcher = new ProcessBuilder(PeerCheckedConnect.argvWakingGuest(socket.toString(), ownUid(),
          SamePageMerging.OFF, "10.0.2.15", Duration.ofMillis(200), List.of("sh", "-c", "echo ran > " + out)))
          .redirectErrorStream(true).start();
      try (SocketChannel qemu = server.accept()) {
        assertTrue(launcher.waitFor(10, TimeUnit.SECONDS), "the program ran without an answer");
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
      Process launcher = new ProcessBuilder(PeerCheckedConnect.argvWakingGuest(socket.toString(), ownUid() + 12345,
          SamePageMerging.OFF, "10.0.2.15", Duration.ofSeconds(5), List.of("true"))).redirectErrorStream(true).start();
      try (SocketChannel qemu = server.accept()) {
        assertTrue(launcher.waitFor(10, TimeUnit.SECONDS));
        assertEquals(-1, qemu.read(ByteBuffer.allocate(64)), "no probe was sent");
      }
      assertNotEquals(0, launcher.exitValue());
      assertTrue(new String(launcher.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
          .contains("refused, nothing was sent"));
    }
  }

  /** On an architecture whose system call numbers Peapod does not know, the launcher is refused, not made with x86-64's. */
  @Test
  void anUnknownArchitectureIsRefused() {
    assertTrue(PeerCheckedConnect.forArchitecture(PeerCheckedConnect.SCRIPT, "aarch64").contains("syscall(167, 67,"));
    assertTrue(PeerCheckedConnect.forArchitecture(PeerCheckedConnect.SCRIPT, "amd64").contains("syscall(112)"));
    UnsupportedOperationException refused = org.junit.jupiter.api.Assertions.assertThrows(
        UnsupportedOperationException.class, () -> PeerCheckedConnect.forArchitecture(PeerCheckedConnect.SCRIPT,
            "loongarch64"));
    assertTrue(refused.getMessage().contains("not of loongarch64"), refused.getMessage());
  }
}
