package dev.peapod.cli.controller;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.cli.CliException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A controller that takes the request and never answers does not hold the command forever. */
class ControllerClientTimeoutTest {

  @Test
  void aControllerThatNeverAnswersFailsTheCommandAfterTheReplyTimeout() throws Exception {
    Path home = Files.createTempDirectory("peapod-client-timeout");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(home.resolve("peapod.sock")));
      Thread acceptor = new Thread(() -> {
        try (SocketChannel silent = server.accept()) {
          Thread.sleep(30_000); // reads nothing, answers nothing
        } catch (Exception e) {
          // closed by the test's end
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      long t0 = System.nanoTime();
      CliException failure = assertThrows(CliException.class,
          () -> new ControllerClient(home, Duration.ofSeconds(1)).get("/v1/pods"));
      long seconds = Duration.ofNanos(System.nanoTime() - t0).toSeconds();
      assertTrue(seconds < 15, "failed after " + seconds + " s");
      assertTrue(failure.getMessage().contains("no answer within 1 s"), failure.getMessage());
    } finally {
      Files.deleteIfExists(home.resolve("peapod.sock"));
      Files.delete(home);
    }
  }
}
