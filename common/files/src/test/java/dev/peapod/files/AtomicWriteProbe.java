package dev.peapod.files;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Run by {@link AtomicFilesTest} under strace: one {@link AtomicFiles#write}. */
public final class AtomicWriteProbe {
  private AtomicWriteProbe() {}

  public static void main(String[] args) throws Exception {
    AtomicFiles.write(Path.of(args[0]), args[1].getBytes(StandardCharsets.UTF_8));
  }
}
