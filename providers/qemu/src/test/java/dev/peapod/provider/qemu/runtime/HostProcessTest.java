package dev.peapod.provider.qemu.runtime;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class HostProcessTest {

  /** A process started by a shell that exited, so that it is not this JVM's child (as a helper
   * started by an earlier peapod command is not). */
  private static ProcessHandle orphan(String script) throws Exception {
    Process shell = new ProcessBuilder("sh", "-c", "(" + script + ") >/dev/null 2>&1 & echo $!").start();
    long pid = Long.parseLong(new String(shell.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim());
    shell.waitFor();
    return ProcessHandle.of(pid).orElseThrow();
  }

  @Test
  void aProcessThatIsNotOurChildIsTerminatedAndSeenGone() throws Exception {
    ProcessHandle sleeper = orphan("exec sleep 600");
    assertTrue(sleeper.parent().map(p -> p.pid() != ProcessHandle.current().pid()).orElse(true));

    assertTrue(HostProcess.terminate(sleeper, Duration.ofSeconds(5)));
    assertFalse(HostProcess.isAlive(sleeper.pid()));
  }

  @Test
  void aProcessIgnoringSigtermIsKilledAfterTheGracePeriod() throws Exception {
    ProcessHandle stubborn = orphan("trap '' TERM; while :; do sleep 1; done");
    Thread.sleep(200); // let the shell install its trap before the signal comes

    assertTrue(HostProcess.terminate(stubborn, Duration.ofMillis(300)));
    assertFalse(HostProcess.isAlive(stubborn.pid()));
  }
}
