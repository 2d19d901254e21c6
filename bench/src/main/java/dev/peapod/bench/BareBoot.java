package dev.peapod.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The floor that every launch figure is compared with: QEMU with the same
 * machine, accelerator and kernel, booting an init that powers off at once.
 */
final class BareBoot {

  private BareBoot() {}

  /** Milliseconds from QEMU launch to QEMU exit. */
  static double launchToPoweroffMillis(Path kernel, Path poweroffInitrd, String accel)
      throws IOException, InterruptedException {
    List<String> argv = List.of("qemu-system-x86_64",
        "-M", "microvm,x-option-roms=off,isa-serial=on,rtc=on",
        "-accel", accel, "-cpu", accel.startsWith("tcg") ? "qemu64,+arat" : "host", "-m", "128", "-smp", "1",
        "-nodefaults", "-no-user-config", "-nographic", "-no-reboot",
        "-kernel", kernel.toString(), "-initrd", poweroffInitrd.toString(),
        "-append", "console=ttyS0 quiet panic=-1 tsc_early_khz=" + HostTsc.khz());
    long t0 = System.nanoTime();
    Process p = new ProcessBuilder(argv).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("bare boot did not power off within 60 s");
    }
    return (System.nanoTime() - t0) / 1e6;
  }
}
