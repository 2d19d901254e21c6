package dev.peapod.provider.qemu.guest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peapod.provider.ExecSpec;
import dev.peapod.provider.qemu.testing.LogCapture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(20)
class GuestConnectionTest {

  @TempDir Path tmp;
  private FakeGuest guest;
  private GuestConnection connection;
  private final List<GuestEvent> events = new CopyOnWriteArrayList<>();

  @BeforeEach
  void connect() throws Exception {
    guest = new FakeGuest(tmp.resolve("ctl.sock"));
    connection = GuestConnection.open(tmp.resolve("ctl.sock"), "test", events::add, Duration.ofSeconds(5));
  }

  @AfterEach
  void close() throws Exception {
    connection.close();
    guest.close();
  }

  @Test
  void helloReportsTheGuest() {
    assertEquals(new GuestInfo(1, "boot-1", "6.1"), connection.info());
  }

  @Test
  void repliesAreMatchedBySeqEvenOutOfOrder() throws Exception {
    CompletableFuture<Frame> first = connection.send(Wire.MSG_PING, Fields.empty());
    CompletableFuture<Frame> second = connection.send(Wire.MSG_STATUS, Fields.empty());
    Frame ping = guest.take();
    Frame status = guest.take();
    guest.send(Frame.of(Wire.MSG_OK, status.seq(), Fields.builder().str(Wire.F_HOSTNAME, "h").build()));
    guest.send(Frame.of(Wire.MSG_OK, ping.seq(), Fields.empty()));

    assertEquals("h", second.get(5, TimeUnit.SECONDS).fields().str(Wire.F_HOSTNAME).orElseThrow());
    assertEquals(Wire.MSG_OK, first.get(5, TimeUnit.SECONDS).type());
  }

  @Test
  void errorRepliesBecomeTypedExceptions() throws Exception {
    CompletableFuture<Fields> call = CompletableFuture.supplyAsync(
        () -> connection.call(Wire.MSG_ADD_CONTAINER, Fields.empty(), Duration.ofSeconds(5)));
    Frame add = guest.take();
    guest.send(Frame.of(Wire.MSG_ERROR, add.seq(), Fields.builder().u32(Wire.F_CODE, 2)
        .str(Wire.F_MESSAGE, "executable \"nosuch\" not found").str(Wire.F_CONTAINER, "web").build()));

    Exception e = assertThrows(Exception.class, () -> call.get(5, TimeUnit.SECONDS));
    GuestErrorException error = (GuestErrorException) e.getCause();
    assertEquals(2, error.code());
    assertEquals("web", error.container().orElseThrow());
    assertTrue(error.getMessage().contains("ADD_CONTAINER"), error.getMessage());
  }

  @Test
  void eventsReachTheListenerAndAreAcknowledged() throws Exception {
    guest.send(Frame.of(Wire.MSG_EVENT_EXITED, 0, Fields.builder().u64(Wire.F_EVENT_SEQ, 3)
        .str(Wire.F_CONTAINER, "web").str(Wire.F_PROCESS, "web").u32(Wire.F_EXIT_CODE, 3).build()));

    Frame ack = guest.take();
    assertEquals(Wire.MSG_ACK_EVENTS, ack.type());
    assertEquals(OptionalLong.of(3), ack.fields().u64(Wire.F_EVENT_SEQ));
    assertEquals(1, events.size());
    assertEquals(3, events.get(0).exitCode());
    assertTrue(events.get(0).isMainProcess());
  }

  @Test
  void execStreamsAndExitAreRoutedToTheSession() throws Exception {
    CompletableFuture<GuestExecSession> start = CompletableFuture.supplyAsync(() -> GuestExecSession.start(
        connection, "exec.1", ExecSpec.of("web", "cat"), Duration.ofSeconds(5)));
    Frame exec = guest.take();
    assertEquals(List.of("cat"), exec.fields().strs(Wire.F_ARGV));
    // Output may overtake the OK.
    guest.send(Frame.of(Wire.MSG_STDOUT, 0, Fields.builder().str(Wire.F_PROCESS, "exec.1")
        .bytes(Wire.F_DATA, "hi ".getBytes(StandardCharsets.UTF_8)).build()));
    guest.send(Frame.of(Wire.MSG_OK, exec.seq(), Fields.builder().u32(Wire.F_PID, 77).build()));
    GuestExecSession session = start.get(5, TimeUnit.SECONDS);
    assertEquals(77, session.pid());

    session.stdin().write("in".getBytes(StandardCharsets.UTF_8));
    session.stdin().close();
    Frame stdin = guest.take();
    assertEquals(Wire.MSG_STDIN, stdin.type());
    assertArrayEquals("in".getBytes(StandardCharsets.UTF_8), stdin.fields().bytes(Wire.F_DATA).orElseThrow());
    assertEquals(0, guest.take().fields().bytes(Wire.F_DATA).orElseThrow().length);

    guest.send(Frame.of(Wire.MSG_STDERR, 0, Fields.builder().str(Wire.F_PROCESS, "exec.1")
        .bytes(Wire.F_DATA, "err".getBytes(StandardCharsets.UTF_8)).build()));
    guest.send(Frame.of(Wire.MSG_STDOUT, 0, Fields.builder().str(Wire.F_PROCESS, "exec.1")
        .bytes(Wire.F_DATA, "there".getBytes(StandardCharsets.UTF_8)).build()));
    guest.send(Frame.of(Wire.MSG_EVENT_EXITED, 0, Fields.builder().u64(Wire.F_EVENT_SEQ, 1)
        .str(Wire.F_CONTAINER, "web").str(Wire.F_PROCESS, "exec.1").u32(Wire.F_EXIT_CODE, 7).build()));

    assertEquals(OptionalInt.of(7), session.waitFor(Duration.ofSeconds(5)));
    assertEquals("hi there", new String(session.stdout().readAllBytes(), StandardCharsets.UTF_8));
    assertEquals("err", new String(session.stderr().readAllBytes(), StandardCharsets.UTF_8));
    assertTrue(events.isEmpty(), "exec exits are not container events");
  }

  @Test
  void aBrokenConnectionFailsWaitingCallsAndEndsOutput() throws Exception {
    CompletableFuture<Frame> pending = connection.send(Wire.MSG_PING, Fields.empty());
    guest.take();
    guest.hangUp();

    Exception e = assertThrows(Exception.class, () -> pending.get(5, TimeUnit.SECONDS));
    assertTrue(e.getCause() instanceof GuestException, e.toString());
    for (int i = 0; i < 100 && connection.isOpen(); i++) {
      Thread.sleep(20);
    }
    assertFalse(connection.isOpen());
  }

  @Test
  void aSilentGuestTimesOutWithAHint() throws Exception {
    GuestException e = assertThrows(GuestException.class,
        () -> connection.call(Wire.MSG_PING, Fields.empty(), Duration.ofMillis(200)));
    assertTrue(e.getMessage().contains("no reply to PING"), e.getMessage());
  }

  /**
   * The race behind a stray "WARN ... process not found" after an exec that worked: a resize on
   * its way while the process exits reaches the guest after the exit, and the guest answers it
   * with ESRCH. That answer is logged at debug level only, and once the exit is known nothing more
   * (resize, signal, end of stdin) is sent for the process.
   */
  @Test
  void aResizeRacingTheExitIsNotWarnedAboutAndNothingIsSentAfterTheExit() throws Exception {
    try (LogCapture log = LogCapture.of(GuestConnection.class)) {
      CompletableFuture<GuestExecSession> start = CompletableFuture.supplyAsync(() -> GuestExecSession.start(
          connection, "exec.9.1", ExecSpec.of("web", "true"), Duration.ofSeconds(5)));
      Frame exec = guest.take();
      guest.send(Frame.of(Wire.MSG_OK, exec.seq(), Fields.builder().u32(Wire.F_PID, 78).build()));
      GuestExecSession session = start.get(5, TimeUnit.SECONDS);

      session.resize(new ExecSpec.TerminalSize(30, 100)); // the terminal changed size as the command ended
      Frame winsize = guest.take();
      assertEquals(Wire.MSG_WINSIZE, winsize.type());
      // guest-init reaped the process before it read the resize: EXITED, then ERROR for the resize.
      guest.send(Frame.of(Wire.MSG_EVENT_EXITED, 0, Fields.builder().u64(Wire.F_EVENT_SEQ, 1)
          .str(Wire.F_CONTAINER, "web").str(Wire.F_PROCESS, "exec.9.1").u32(Wire.F_EXIT_CODE, 0).build()));
      guest.send(Frame.of(Wire.MSG_ERROR, winsize.seq(), Fields.builder().u32(Wire.F_CODE, 3)
          .str(Wire.F_PROCESS, "exec.9.1").str(Wire.F_MESSAGE, "process \"exec.9.1\" not found").build()));
      assertEquals(OptionalInt.of(0), session.waitFor(Duration.ofSeconds(5)));

      assertTrue(log.awaitDebug("late failure around the exit of exec.9.1", Duration.ofSeconds(5)));
      assertEquals(List.of(), log.warnings());

      session.resize(new ExecSpec.TerminalSize(31, 100));
      session.signal(15);
      session.stdin().close();
      assertEquals(Wire.MSG_ACK_EVENTS, guest.take().type(), "the exit event is acknowledged");
      assertNull(guest.poll(300), "nothing is sent for a process whose exit is known");
      assertEquals(List.of(), log.warnings());
    }
  }

  /**
   * Found by TwoContainerPodIT: a resize that reaches a process whose terminal is already closed
   * (it is exiting) fails with ENOTTY. That used to end the exec session with an error although
   * the command went on to exit 0. One-way failures never end a session; a closed stdin makes
   * later writes fail with the guest's reason.
   */
  @Test
  void failuresOfOneWayMessagesDoNotEndTheSession() throws Exception {
    try (LogCapture log = LogCapture.of(GuestConnection.class)) {
      CompletableFuture<GuestExecSession> start = CompletableFuture.supplyAsync(() -> GuestExecSession.start(
          connection, "exec.9.2", ExecSpec.of("web", "true"), Duration.ofSeconds(5)));
      Frame exec = guest.take();
      guest.send(Frame.of(Wire.MSG_OK, exec.seq(), Fields.builder().u32(Wire.F_PID, 79).build()));
      GuestExecSession session = start.get(5, TimeUnit.SECONDS);

      session.resize(new ExecSpec.TerminalSize(30, 100));
      guest.send(Frame.of(Wire.MSG_ERROR, guest.take().seq(), Fields.builder().u32(Wire.F_CODE, 25)
          .str(Wire.F_PROCESS, "exec.9.2").str(Wire.F_MESSAGE, "process \"exec.9.2\": window size: Not a tty").build()));
      session.stdin().write('x');
      guest.send(Frame.of(Wire.MSG_ERROR, guest.take().seq(), Fields.builder().u32(Wire.F_CODE, 32)
          .str(Wire.F_PROCESS, "exec.9.2").str(Wire.F_MESSAGE, "process \"exec.9.2\": stdin: Broken pipe").build()));
      assertTrue(log.awaitDebug("stdin: Broken pipe", Duration.ofSeconds(5)));
      assertEquals(OptionalInt.empty(), session.waitFor(Duration.ofMillis(50)), "the session goes on");
      java.io.IOException stdin = assertThrows(java.io.IOException.class, () -> session.stdin().write('y'));
      assertTrue(stdin.getMessage().contains("stdin: Broken pipe"), stdin.getMessage());

      guest.send(Frame.of(Wire.MSG_EVENT_EXITED, 0, Fields.builder().u64(Wire.F_EVENT_SEQ, 2)
          .str(Wire.F_CONTAINER, "web").str(Wire.F_PROCESS, "exec.9.2").u32(Wire.F_EXIT_CODE, 0).build()));
      assertEquals(OptionalInt.of(0), session.waitFor(Duration.ofSeconds(5)));
      assertEquals(2, log.debug("late failure around the exit of exec.9.2").size());
      assertEquals(List.of(), log.warnings());
    }
  }

  @Test
  void aFailureNamingAProcessThisHostNeverRanIsStillAWarning() throws Exception {
    try (LogCapture log = LogCapture.of(GuestConnection.class)) {
      guest.send(Frame.of(Wire.MSG_ERROR, 999, Fields.builder().u32(Wire.F_CODE, 3)
          .str(Wire.F_PROCESS, "exec.404.1").str(Wire.F_MESSAGE, "process \"exec.404.1\" not found").build()));
      for (int i = 0; i < 250 && log.warnings().isEmpty(); i++) {
        Thread.sleep(20);
      }
      assertEquals(List.of("guest test: a one-way message failed in the guest: process \"exec.404.1\" not found (errno 3)"),
          log.warnings());
    }
  }
}
