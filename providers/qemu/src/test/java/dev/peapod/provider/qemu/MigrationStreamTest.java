package dev.peapod.provider.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.provider.qemu.qmp.QmpClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A template's state saved through a migration socket given to the VM user: the socket is made and
 * chowned where no VM user can swap its path, and nothing a VM user planted is given to it. Run as
 * root (the tests are): the VM user here is only a uid.
 */
@Timeout(30)
class MigrationStreamTest {

  private static final int VM_UID = 2_000_000_123;

  @TempDir Path tmp;

  /**
   * A QEMU's QMP that, asked to migrate, connects to the socket as QEMU does, notes the owner of
   * what it found there, and sends {@code state}.
   */
  private AtomicReference<Object> fakeQemu(Path qmpSocket, String state) throws IOException {
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(qmpSocket));
    AtomicReference<Object> socketOwner = new AtomicReference<>();
    Thread t = new Thread(() -> {
      try (server; SocketChannel client = server.accept()) {
        OutputStream out = Channels.newOutputStream(client);
        BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(client), StandardCharsets.UTF_8));
        out.write("{\"QMP\": {\"version\": {}, \"capabilities\": []}}\n".getBytes(StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
          if (line.contains("\"migrate\"")) {
            Path socket = Path.of(line.replaceAll(".*\"unix:([^\"]+)\".*", "$1"));
            socketOwner.set(Files.getAttribute(socket, "unix:uid", LinkOption.NOFOLLOW_LINKS));
            try (SocketChannel migration = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
              migration.write(ByteBuffer.wrap(state.getBytes(StandardCharsets.US_ASCII)));
            }
            out.write("{\"return\": {}}\n".getBytes(StandardCharsets.UTF_8));
          } else if (line.contains("query-migrate")) {
            out.write("{\"return\": {\"status\": \"completed\"}}\n".getBytes(StandardCharsets.UTF_8));
          } else {
            out.write("{\"return\": {}}\n".getBytes(StandardCharsets.UTF_8));
          }
        }
      } catch (Exception e) {
        // test over
      }
    });
    t.setDaemon(true);
    t.start();
    return socketOwner;
  }

  private Path victim() throws IOException {
    Path victim = Files.writeString(tmp.resolve("victim"), "root's\n");
    Files.setPosixFilePermissions(victim, PosixFilePermissions.fromString("rw-------"));
    return victim;
  }

  @Test
  void theSocketIsGivenAwayInARootDirectoryAndWhatWasPlantedThereIsNot() throws Exception {
    Path victim = victim();
    Path run = Files.setPosixFilePermissions(Files.createDirectory(tmp.resolve("run")),
        PosixFilePermissions.fromString("rwxr-x---")); // a VM user's run directory: root:UID 0750
    Path socket = run.resolve("migrate.sock");
    Files.createSymbolicLink(socket, victim); // left there: saving must not give its target away
    Path state = Files.createFile(tmp.resolve("state"));
    AtomicReference<Object> owner = fakeQemu(tmp.resolve("qmp.sock"), "QEVM-state");
    try (QmpClient qmp = QmpClient.connect(tmp.resolve("qmp.sock"), Duration.ofSeconds(5))) {
      MigrationStream.save(qmp, socket, state, VM_UID);
    }
    assertEquals("QEVM-state", Files.readString(state));
    assertEquals(VM_UID, owner.get(), "QEMU found a socket of its own user");
    assertEquals(0, Files.getAttribute(victim, "unix:uid"), "what the link named stays root's");
    assertFalse(Files.exists(socket, LinkOption.NOFOLLOW_LINKS), "the socket is gone after the save");
  }

  /** The VM user's own directory (q/): a link or hard link put there could be chowned, so nothing is made there. */
  @Test
  void aDirectoryTheVmUserCanWriteIsRefused() throws Exception {
    Path victim = victim();
    Path q = Files.createDirectory(tmp.resolve("q"));
    Files.setAttribute(q, "unix:uid", VM_UID, LinkOption.NOFOLLOW_LINKS);
    Path socket = q.resolve("migrate.sock");
    Files.createLink(socket, victim); // what a VM user could put where the socket goes
    Path shared = Files.setPosixFilePermissions(Files.createDirectory(tmp.resolve("shared")),
        PosixFilePermissions.fromString("rwxrwx---")); // not at creation: the umask would take the group's write
    Path state = Files.createFile(tmp.resolve("state"));
    fakeQemu(tmp.resolve("qmp.sock"), "QEVM-state");
    try (QmpClient qmp = QmpClient.connect(tmp.resolve("qmp.sock"), Duration.ofSeconds(5))) {
      IOException e = assertThrows(IOException.class, () -> MigrationStream.save(qmp, socket, state, VM_UID));
      assertTrue(e.getMessage().contains("refusing to give a migration socket away in " + q), e.getMessage());
      e = assertThrows(IOException.class, () -> MigrationStream.save(qmp, shared.resolve("migrate.sock"), state, VM_UID));
      assertTrue(e.getMessage().contains("rwxrwx---"), e.getMessage());
    }
    assertEquals(0, Files.getAttribute(victim, "unix:uid"), "the hard link's file stays root's");
    assertTrue(Files.isSameFile(socket, victim), "and the link stays as it was");
    assertEquals(0L, Files.size(state));
  }
}
