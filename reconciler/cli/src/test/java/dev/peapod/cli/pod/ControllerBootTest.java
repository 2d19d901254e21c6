package dev.peapod.cli.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.peapod.cli.CliException;
import dev.peapod.cli.ErrorReporter;
import dev.peapod.cli.ExitCodes;
import dev.peapod.cli.controller.ControllerClient;
import dev.peapod.engine.lock.PodLockedException;
import dev.peapod.provider.InvalidStateException;
import dev.peapod.provider.PodNotFoundException;
import dev.peapod.provider.PodState;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The controller's answers to a handed-over boot, turned into what the CLI prints and exits with:
 * for each failure, exactly what the same exception raised in the CLI gives ({@link ErrorReporter}).
 */
class ControllerBootTest {

  private static ControllerClient.Response problem(int status, Class<?> exception, String detail, String extra) {
    return new ControllerClient.Response(status, "{\"type\":\"about:blank\",\"title\":\"x\",\"status\":" + status
        + ",\"detail\":\"" + detail.replace("\"", "\\\"") + "\""
        + (exception == null ? "" : ",\"exception\":\"" + exception.getName() + "\"") + extra + "}");
  }

  /** The failure as the CLI reports it: its exit code and its line on stderr. */
  private static List<Object> reported(RuntimeException e) {
    return List.of(ErrorReporter.exitCode(e), ErrorReporter.message(e));
  }

  private static RuntimeException handedOver(ControllerClient.Response response) {
    return assertThrows(RuntimeException.class, () -> ControllerBoot.started("web", response));
  }

  @Test
  void aStartedPodIsPrintedAsTheCliPrintsIt() {
    PodCommands.Started started = ControllerBoot.started("web", new ControllerClient.Response(200, """
        {"name":"web","state":"RUNNING","ready":true,"owner":"cli","createdAt":"2026-12-07T01:00:00Z",
         "vm":{"bootId":"3f2a","pid":12,"accelerator":"tcg","startedAt":"2026-12-07T01:00:01Z","bootMillis":1149,
               "boot":"restored from template abc"},"message":""}"""));
    assertEquals("in 1.1s (boot id 3f2a, tcg, restored from template abc)", started.bootText());
    assertFalse(started.data().containsKey("owner"));
    assertEquals(List.of("name", "state", "ready", "createdAt", "vm", "message"), List.copyOf(started.data().keySet()));
  }

  @Test
  void failuresExitAndReadAsTheSameExceptionWouldHereWithoutAController() {
    RuntimeException notFound = new PodNotFoundException("web");
    assertEquals(reported(notFound), reported(handedOver(problem(404, PodNotFoundException.class,
        notFound.getMessage(), ""))));
    assertEquals(ExitCodes.NOT_FOUND, reported(notFound).get(0));

    RuntimeException locked = new PodLockedException("pod \"web\" is locked by pid 1 (peapod stop web) since 01:00:00");
    assertEquals(reported(locked), reported(handedOver(problem(409, PodLockedException.class, locked.getMessage(), ""))));
    assertEquals(ExitCodes.IN_USE, reported(locked).get(0));

    RuntimeException unexpected = new NullPointerException("boom");
    assertEquals(reported(unexpected), reported(handedOver(problem(500, NullPointerException.class, "boom", ""))));
  }

  @Test
  void aPodThatRunsAlreadyIsTheSameInvalidStateSoRunCanSayAlreadyRunning() {
    InvalidStateException local = new InvalidStateException("web", PodState.RUNNING, "is already running");
    RuntimeException handed = handedOver(problem(409, InvalidStateException.class, local.getMessage(),
        ",\"state\":\"RUNNING\""));
    InvalidStateException invalid = (InvalidStateException) handed;
    assertEquals(PodState.RUNNING, invalid.actual());
    assertEquals(local.getMessage(), invalid.getMessage());
    assertEquals(reported(local), reported(handed));
  }

  @Test
  void aProblemNamingNoKnownClassOrNoJsonAtAllIsStillAnError() {
    for (ControllerClient.Response response : List.of(
        problem(500, null, "disk full", ""),
        new ControllerClient.Response(500, "{\"detail\":\"x\",\"exception\":\"no.such.Class\"}"),
        new ControllerClient.Response(500, "{\"detail\":\"x\",\"exception\":\"java.lang.String\"}"),
        new ControllerClient.Response(502, "<html>bad gateway</html>"),
        new ControllerClient.Response(409, "{\"detail\":\"x\",\"exception\":\"dev.peapod.provider.InvalidStateException\","
            + "\"state\":\"EXPLODED\"}"))) {
      RuntimeException e = handedOver(response);
      assertEquals(CliException.class, e.getClass(), response::toString);
      assertEquals(ExitCodes.ERROR, ((CliException) e).exitCode(), response::toString);
    }
  }
}
