package dev.peapod.engine;

import java.util.function.Supplier;

/**
 * A pod's applied record written while its VM starts, for the paths that create and start a pod in
 * one go ({@code POST /v1/pods}, a handed {@code run -f}). The record's write is an fsync'd file and
 * directory (tens of ms on a busy disk) that the start does not need: the start reads the provider's
 * pod.json, which {@code create} wrote. What a crash can leave is what it could before: the record
 * is marked pending by {@code PodRecords.begin} before {@code create}, so a process killed before the
 * record's write ends leaves the pending marker, from which the next plan redoes the change, whether
 * the VM had started or not.
 */
public final class BesideStart {

  private BesideStart() {}

  /**
   * The pod started, but its applied record could not be written: not a failed start (the VM runs), and said so;
   * the record's pending marker stays, so the next plan redoes the record. {@link #getCause}: the record's
   * failure.
   */
  public static final class RecordFailedException extends RuntimeException {
    private final transient Object started;

    RecordFailedException(Throwable cause, Object started) {
      super("the pod started, but its record could not be written: "
          + (cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage()), cause);
      this.started = started;
    }

    /** What the start returned. */
    public Object started() {
      return started;
    }
  }

  /**
   * Runs {@code record} on a thread of its own while {@code start} runs on this one, and returns
   * {@code start}'s result once both have ended. A failed start is thrown (a failed record with it,
   * suppressed); a record that failed while the start went well is thrown as a {@link
   * RecordFailedException} (an Error as it is), so the pod is not reported as failing to start.
   */
  public static <T> T run(Runnable record, Supplier<T> start) {
    // Any Throwable: an Error on the writer's thread (out of memory) would otherwise end it silently, and the
    // run would be reported done with its record unwritten and its pending marker left behind.
    Throwable[] recordFailure = new Throwable[1];
    Thread writer = new Thread(() -> {
      try {
        record.run();
      } catch (Throwable e) {
        recordFailure[0] = e;
      }
    }, "peapod-record");
    writer.setDaemon(true);
    writer.start();
    T result;
    try {
      result = start.get();
    } catch (RuntimeException | Error e) {
      join(writer);
      if (recordFailure[0] != null) {
        e.addSuppressed(recordFailure[0]);
      }
      throw e;
    }
    join(writer);
    if (recordFailure[0] instanceof Error e) {
      throw e;
    }
    if (recordFailure[0] != null) {
      throw new RecordFailedException(recordFailure[0], result);
    }
    return result;
  }

  /** Waits for the record's write whatever happens: nothing returns while it may still go on. */
  private static void join(Thread writer) {
    boolean interrupted = false;
    while (true) {
      try {
        writer.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
