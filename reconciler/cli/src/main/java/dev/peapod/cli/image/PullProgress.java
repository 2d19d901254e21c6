package dev.peapod.cli.image;

import dev.peapod.cli.output.HumanUnits;
import dev.peapod.cli.output.Output;
import dev.peapod.engine.spec.StoreImageSource;
import dev.peapod.images.oci.Descriptor;
import dev.peapod.images.oci.Digest;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Shows a pull or load as it goes: on a terminal, one line on stderr rewritten in place
 * ({@code Pulling busybox: 1/3 layers, 1.2MB/3.4MB}); elsewhere (a pipe, a log file, CI)
 * nothing but retries and warnings, so logs are not flooded with carriage returns.
 *
 * <p>Called from the store's download threads, hence synchronized; redraws at most ten
 * times a second so a fast local registry does not spend its time printing.
 */
public final class PullProgress implements StoreImageSource.Progress {
  private static final long REDRAW_NANOS = 100_000_000L;

  private final Output output;
  private final String what;
  private final boolean live;
  private final Map<Digest, long[]> layers = new LinkedHashMap<>(); // digest -> {done bytes, total bytes}
  private long lastDraw;
  private boolean drawn;
  private String buildingLine; // set once the store says it builds; shown when no layer is still downloading

  public PullProgress(Output output, String what) {
    this.output = output;
    this.what = what;
    this.live = output.terminal();
  }

  @Override
  public synchronized void layerStarted(Descriptor layer) {
    layers.putIfAbsent(layer.digest(), new long[] {0, layer.size()});
    draw(true); // once per layer: always worth showing
  }

  @Override
  public synchronized void layerProgress(Descriptor layer, long bytes) {
    layers.computeIfAbsent(layer.digest(), d -> new long[] {0, layer.size()})[0] = bytes;
    draw(false);
  }

  @Override
  public synchronized void layerDone(Descriptor layer, boolean cached) {
    long[] state = layers.computeIfAbsent(layer.digest(), d -> new long[] {0, layer.size()});
    state[0] = state[1];
    draw(true);
  }

  @Override
  public synchronized void building(String image, Digest imageId) {
    // The store announces the build before its layers finish downloading (it builds as they arrive).
    buildingLine = "Building root filesystem of " + what + " (" + imageId.shortHex() + ")";
    draw(true);
  }

  @Override
  public synchronized void retrying(String item, int attempt, Duration delay, String reason) {
    finish();
    output.warning(item + ": " + reason + "; retry " + attempt + " in " + delay.toMillis() + " ms");
  }

  @Override
  public synchronized void warning(String image, String message) {
    finish();
    output.warning(image + ": " + message);
  }

  /** Clears the progress line; call before printing the result. */
  public synchronized void finish() {
    if (drawn) {
      output.endProgress();
      drawn = false;
    }
  }

  private void draw(boolean force) {
    if (!live) {
      return;
    }
    long now = System.nanoTime();
    if (!force && drawn && now - lastDraw < REDRAW_NANOS) {
      return;
    }
    lastDraw = now;
    long done = 0;
    long total = 0;
    int complete = 0;
    for (long[] state : layers.values()) {
      done += state[0];
      total += state[1];
      if (state[1] > 0 && state[0] >= state[1]) {
        complete++;
      }
    }
    if (buildingLine != null && complete == layers.size()) {
      output.progress(buildingLine);
    } else {
      output.progress("Pulling " + what + ": " + complete + "/" + layers.size() + " layers, "
          + HumanUnits.size(done) + "/" + HumanUnits.size(total));
    }
    drawn = true;
  }
}
