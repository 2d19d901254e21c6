package dev.peapod.provider.qemu.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(20)
class QmpClientTest {

  @TempDir Path tmp;

  /** A QMP server that greets, then answers each command line from a script (events interleaved). */
  private List<String> serve(Path socket, String... replies) throws Exception {
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    List<String> received = new CopyOnWriteArrayList<>();
    Thread t = new Thread(() -> {
      try (server; SocketChannel client = server.accept()) {
        OutputStream out = Channels.newOutputStream(client);
        BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(client), StandardCharsets.UTF_8));
        out.write("{\"QMP\": {\"version\": {}, \"capabilities\": []}}\n".getBytes(StandardCharsets.UTF_8));
        for (String reply : replies) {
          received.add(in.readLine());
          out.write((reply + "\n").getBytes(StandardCharsets.UTF_8));
        }
        in.readLine();
      } catch (Exception e) {
        // test over
      }
    });
    t.setDaemon(true);
    t.start();
    return received;
  }

  @Test
  void negotiatesThenRunsCommandsSkippingEvents() throws Exception {
    Path socket = tmp.resolve("qmp.sock");
    List<String> received = serve(socket, "{\"return\": {}}",
        "{\"event\": \"RESUME\"}\n{\"return\": {\"status\": \"running\", \"running\": true}}");
    try (QmpClient qmp = QmpClient.connect(socket, Duration.ofSeconds(5))) {
      assertEquals("running", qmp.status());
    }
    assertEquals(List.of("{\"execute\":\"qmp_capabilities\"}", "{\"execute\":\"query-status\"}"), received);
  }

  @Test
  void errorRepliesBecomeExceptions() throws Exception {
    Path socket = tmp.resolve("qmp.sock");
    serve(socket, "{\"return\": {}}", "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"no such command\"}}");
    try (QmpClient qmp = QmpClient.connect(socket, Duration.ofSeconds(5))) {
      QmpException e = assertThrows(QmpException.class, () -> qmp.execute("bogus"));
      assertTrue(e.getMessage().contains("no such command"), e.getMessage());
    }
  }

  @Test
  void aMissingSocketFailsClearly() {
    QmpException e = assertThrows(QmpException.class,
        () -> QmpClient.connect(tmp.resolve("none.sock"), Duration.ofSeconds(1)));
    assertTrue(e.getMessage().contains("none.sock"), e.getMessage());
  }
}
