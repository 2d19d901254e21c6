package dev.peapod.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class BesideStartTest {

  @Test
  void theRecordIsWrittenWhileTheStartRunsAndBothHaveEndedOnReturn() {
    CountDownLatch recordRuns = new CountDownLatch(1);
    AtomicBoolean recordEnded = new AtomicBoolean();
    String result = BesideStart.run(() -> {
      recordRuns.countDown();
      sleep(100);
      recordEnded.set(true);
    }, () -> {
      try {
        assertTrue(recordRuns.await(10, TimeUnit.SECONDS), "the record is written while the start runs");
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      return "started";
    });
    assertEquals("started", result);
    assertTrue(recordEnded.get(), "nothing returns before the record is written");
  }

  @Test
  void aFailedStartIsThrownWithTheRecordsFailureSuppressed() {
    IllegalStateException startFailure = new IllegalStateException("port in use");
    IllegalStateException recordFailure = new IllegalStateException("disk full");
    RuntimeException thrown = assertThrows(RuntimeException.class, () -> BesideStart.run(() -> {
      throw recordFailure;
    }, () -> {
      throw startFailure;
    }));
    assertSame(startFailure, thrown);
    assertSame(recordFailure, thrown.getSuppressed()[0]);
  }

  @Test
  void aRecordThatFailedWhileTheStartWentWellIsThrown() {
    IllegalStateException recordFailure = new IllegalStateException("disk full");
    BesideStart.RecordFailedException thrown = assertThrows(BesideStart.RecordFailedException.class,
        () -> BesideStart.run(() -> {
          throw recordFailure;
        }, () -> "started"));
    assertSame(recordFailure, thrown.getCause());
    assertEquals("started", thrown.started());
    assertEquals("the pod started, but its record could not be written: disk full", thrown.getMessage(),
        "not worded as a failed start");
  }

  /** An Error on the record's thread (out of memory) is not a run done: before, it ended that thread silently. */
  @Test
  void aRecordThatRanOutOfMemoryIsThrownNotReportedDone() {
    OutOfMemoryError recordFailure = new OutOfMemoryError("Java heap space");
    OutOfMemoryError thrown = assertThrows(OutOfMemoryError.class, () -> BesideStart.run(() -> {
      throw recordFailure;
    }, () -> "started"));
    assertSame(recordFailure, thrown);
    StackOverflowError startFailure = new StackOverflowError();
    assertSame(startFailure, assertThrows(StackOverflowError.class, () -> BesideStart.run(() -> { }, () -> {
      throw startFailure;
    })));
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }
}
