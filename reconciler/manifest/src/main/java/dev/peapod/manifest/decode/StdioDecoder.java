package dev.peapod.manifest.decode;

import dev.peapod.manifest.model.Stdio;

/** A Kubernetes container's {@code stdin}, {@code stdinOnce} and {@code tty}. */
final class StdioDecoder {
  private StdioDecoder() {}

  static Stdio decode(MapReader r) {
    boolean stdin = r.bool("stdin").orElse(false);
    boolean stdinOnce = r.bool("stdinOnce").orElse(false);
    boolean tty = r.bool("tty").orElse(false);
    if (stdinOnce && !stdin) {
      // Kubernetes accepts it and it means nothing; saying so beats a silent no-op.
      r.problems().warning(r.peek("stdinOnce").orElseThrow().position(), r.path("stdinOnce"),
          "stdinOnce has no effect without stdin: true");
    }
    return new Stdio(stdin, stdinOnce, tty);
  }
}
