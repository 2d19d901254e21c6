package dev.peapod.cli.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.cli.CliException;
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
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A controller that takes the request and never answers does not hold the command forever; one that is
 * busy with a long request, and still answers others, is waited for.
 */
class ControllerClientTimeoutTest {

  @Test
  void aControllerThatNeverAnswersFailsTheCommandAfterTheReplyTimeout() throws Exception {
    Path home = Files.createTempDirectory("peapod-client-timeout");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(home.resolve("peapod.sock")));
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            SocketChannel silent = server.accept(); // reads nothing, answers nothing, closes nothing
            silent.getClass();
          }
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
      assertTrue(failure.getMessage().contains("no answer within 1 s, and it did not answer /v1/version"), failure.getMessage());
    } finally {
      Files.deleteIfExists(home.resolve("peapod.sock"));
      Files.delete(home);
    }
  }

  @Test
  void aControllerBusyLongerThanTheReplyTimeoutIsWaitedForWhileItAnswersOthers() throws Exception {
    Path home = Files.createTempDirectory("peapod-client-busy");
    AtomicInteger livenessAsked = new AtomicInteger();
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(home.resolve("peapod.sock")));
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            SocketChannel client = server.accept();
            Thread serve = new Thread(() -> serve(client, livenessAsked));
            serve.setDaemon(true);
            serve.start();
          }
        } catch (Exception e) {
          // closed by the test's end
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      ControllerClient.Response answer = new ControllerClient(home, Duration.ofSeconds(1)).post("/v1/pods");
      assertEquals(201, answer.status());
      assertEquals("{\"started\":true}", answer.body());
      assertTrue(livenessAsked.get() >= 2, "asked " + livenessAsked.get() + " times whether the controller lives");
    } finally {
      Files.deleteIfExists(home.resolve("peapod.sock"));
      Files.delete(home);
    }
  }

  /** The POST is answered after 3.5 s (over three reply timeouts); {@code /v1/version} at once. */
  private static void serve(SocketChannel client, AtomicInteger livenessAsked) {
    try (client) {
      ByteBuffer in = ByteBuffer.allocate(4096);
      String request = "";
      while (!request.contains("\r\n\r\n") && client.read(in) > 0) {
        request = new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII);
      }
      String body;
      int status;
      if (request.startsWith("GET /v1/version ")) {
        livenessAsked.incrementAndGet();
        status = 200;
        body = "{\"version\":\"test\"}";
      } else {
        Thread.sleep(3500);
        status = 201;
        body = "{\"started\":true}";
      }
      client.write(ByteBuffer.wrap(("HTTP/1.1 " + status + " X\r\nContent-Type: application/json\r\nContent-Length: "
          + body.length() + "\r\nConnection: close\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII)));
    } catch (IOException | InterruptedException e) {
      // the test's end
    }
  }
}
