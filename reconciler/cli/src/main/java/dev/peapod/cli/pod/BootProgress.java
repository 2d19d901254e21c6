package dev.peapod.cli.pod;

import dev.peapod.cli.output.Output;
import java.time.Duration;

/**
 * {@code Booting web ... 0.8s} on stderr while a pod starts, rewritten in place every tenth of a
 * second and wiped when the boot ends (the result line then goes to stdout). Only on a terminal
 * and without {@code -o}: scripts and pipes get no progress noise.
 */
final class BootProgress implements AutoCloseable {
  private static final Duration TICK = Duration.ofMillis(100);

  private final Output output;
  private final Thread ticker;

  private BootProgress(Output output, Thread ticker) {
    this.output = output;
    this.ticker = ticker;
  }

  static BootProgress show(Output output, String pod) {
    if (!output.terminal() || output.structured()) {
      return new BootProgress(output, null);
    }
    long started = System.nanoTime();
    Thread ticker = new Thread(() -> {
      try {
        while (!Thread.currentThread().isInterrupted()) {
          double seconds = (System.nanoTime() - started) / 1e9;
          output.progress(String.format("Booting %s ... %.1fs", pod, seconds));
          Thread.sleep(TICK.toMillis());
        }
      } catch (InterruptedException e) {
        // the boot ended
      }
    }, "peapod-boot-progress");
    ticker.setDaemon(true);
    ticker.start();
    return new BootProgress(output, ticker);
  }

  @Override
  public void close() {
    if (ticker == null) {
      return;
    }
    ticker.interrupt();
    try {
      ticker.join(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    output.endProgress();
  }
}
