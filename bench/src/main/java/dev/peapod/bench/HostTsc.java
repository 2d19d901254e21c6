package dev.peapod.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The host's TSC rate as /proc/cpuinfo reports it, for the guest's tsc_early_khz. */
final class HostTsc {

  private HostTsc() {}

  static long khz() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
      if (line.startsWith("cpu MHz")) {
        return Math.round(Double.parseDouble(line.substring(line.indexOf(':') + 1).trim()) * 1000);
      }
    }
    throw new IOException("no 'cpu MHz' in /proc/cpuinfo");
  }
}
