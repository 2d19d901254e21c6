package dev.peapod.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.peapod.plan.Action;
import dev.peapod.plan.Change;
import dev.peapod.plan.Reason;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CrashLoopBackoffTest {

  /** A clock the test moves. */
  private static final class Hands extends Clock {
    Instant now = Instant.parse("2026-12-06T12:00:00Z");

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  private static Change start(Reason.Kind why) {
    return new Change("web", Action.START, List.of(new Reason(why, "...")), List.of(), Optional.empty(),
        Optional.empty());
  }

  @Test
  void aVmThatKeepsEndingWaitsTwiceAsLongEachTimeAndAQuietSpellStartsAgain() {
    Hands clock = new Hands();
    CrashLoopBackoff gate = new CrashLoopBackoff(clock);
    Change restart = start(Reason.Kind.StartBecauseVmEnded);
    assertEquals(Optional.empty(), gate.holdOff(restart), "the first restart goes at once");
    clock.now = clock.now.plusSeconds(3);
    assertEquals(Optional.of(Duration.ofSeconds(7)), gate.holdOff(restart), "then 10 s after the last");
    clock.now = clock.now.plusSeconds(7);
    assertEquals(Optional.empty(), gate.holdOff(restart));
    assertEquals(2, gate.restarts("web"));
    clock.now = clock.now.plusSeconds(1);
    assertEquals(Optional.of(Duration.ofSeconds(19)), gate.holdOff(restart), "then 20 s");
    assertEquals(Duration.ofMinutes(5), CrashLoopBackoff.delayAfter(30), "at most 5 min");
    clock.now = clock.now.plus(Duration.ofMinutes(11));
    assertEquals(Optional.empty(), gate.holdOff(restart), "ten quiet minutes start the count again");
    assertEquals(1, gate.restarts("web"));
  }

  @Test
  void onlyRestartsOfAVmThatEndedAreHeldBack() {
    CrashLoopBackoff gate = new CrashLoopBackoff(new Hands());
    for (int i = 0; i < 5; i++) {
      assertEquals(Optional.empty(), gate.holdOff(start(Reason.Kind.StartBecauseDesiredRunning)));
    }
  }
}
