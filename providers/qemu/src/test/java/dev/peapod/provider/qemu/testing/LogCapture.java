package dev.peapod.provider.qemu.testing;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Records what one class logs through {@link System.Logger} (which java.util.logging backs in
 * this module's tests), at every level, until closed.
 */
public final class LogCapture implements AutoCloseable {
  private final Logger logger; // held: java.util.logging keeps loggers only weakly
  private final Level previous;
  private final Handler handler;
  private final List<LogRecord> records = new CopyOnWriteArrayList<>();

  private LogCapture(Class<?> source) {
    logger = Logger.getLogger(source.getName());
    previous = logger.getLevel();
    handler = new Handler() {
      @Override
      public void publish(LogRecord record) {
        records.add(record);
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    handler.setLevel(Level.ALL);
    logger.addHandler(handler);
    logger.setLevel(Level.ALL);
  }

  public static LogCapture of(Class<?> source) {
    return new LogCapture(source);
  }

  /** Messages logged at WARNING (System.Logger's WARNING and ERROR) or above. */
  public List<String> warnings() {
    return records.stream().filter(r -> r.getLevel().intValue() >= Level.WARNING.intValue())
        .map(LogRecord::getMessage).toList();
  }

  /** Messages logged at FINE (System.Logger's DEBUG) that contain {@code text}. */
  public List<String> debug(String text) {
    return records.stream().filter(r -> r.getLevel() == Level.FINE && r.getMessage().contains(text))
        .map(LogRecord::getMessage).toList();
  }

  /** Waits up to {@code timeout} for a DEBUG message containing {@code text}; records are logged on other threads. */
  public boolean awaitDebug(String text, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (debug(text).isEmpty()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(10);
    }
    return true;
  }

  @Override
  public void close() {
    logger.removeHandler(handler);
    logger.setLevel(previous);
  }
}
