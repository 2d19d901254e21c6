package dev.peapod.cli.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.peapod.cli.output.Output;
import dev.peapod.cli.output.OutputFormat;
import dev.peapod.images.oci.Descriptor;
import dev.peapod.images.oci.Digest;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class PullProgressTest {
  private final StringWriter err = new StringWriter();

  @Test
  void layerLinesThenTheBuildLineThenCleared() {
    PullProgress progress = progress(true);
    Digest id = Digest.sha256(new byte[] {1});
    Descriptor layer = layer(2, 2_000_000);
    progress.building("app", id);
    progress.layerStarted(layer);
    progress.layerDone(layer, false);
    progress.finish();
    assertEquals(List.of(
        "Building root filesystem of app (" + id.shortHex() + ")",
        "Pulling app: 0/1 layers, 0B/2MB",
        "Building root filesystem of app (" + id.shortHex() + ")",
        ""), redraws());
  }

  @Test
  void nothingButWarningsOffATerminal() {
    PullProgress progress = progress(false);
    progress.layerStarted(layer(3, 10));
    progress.warning("app", "device node /dev/null not created");
    progress.finish();
    assertEquals("warning: app: device node /dev/null not created\n", err.toString());
  }

  private PullProgress progress(boolean terminal) {
    Output output = new Output(new PrintWriter(new StringWriter()), new PrintWriter(err, true), OutputFormat.table,
        false, terminal);
    return new PullProgress(output, "app");
  }

  /** What each redraw of the single line showed; the last entry is the clearing. */
  private List<String> redraws() {
    return Arrays.stream(err.toString().split("\r\u001b\\[2K", -1)).skip(1).toList();
  }

  private static Descriptor layer(int seed, long size) {
    return new Descriptor("application/vnd.oci.image.layer.v1.tar", Digest.sha256(new byte[] {(byte) seed}), size);
  }
}
