package dev.peapod.provider.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.provider.qemu.runtime.SamePageMerging;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
}
