package dev.peapod.provider.qemu;

import java.nio.file.Path;

/**
 * How a VM's guest RAM is backed.
 *
 * <p>A cold boot uses a memfd (see {@link QemuCommandLine}). A template VM and
 * the VMs restored from it use a file mapped shared instead: with QEMU's
 * {@code x-ignore-shared} migration capability, RAM in a shared mapping is left
 * out of the migration stream, so a snapshot is the RAM file plus ~100 KB of
 * device state, and a restore maps a copy of the RAM file instead of parsing
 * 20+ MiB of pages out of the stream (measured: ~200 ms against ~520 ms
 * launch→READY under TCG, bench/RESULTS.md).
 *
 * @param file the RAM file, or null for a memfd
 * @param incoming whether QEMU waits for migration state ({@code -incoming defer}) instead of booting
 */
public record GuestRam(Path file, boolean incoming) {

  public static final GuestRam MEMFD = new GuestRam(null, false);

  /** RAM in {@code file}, booted: a template VM being made. */
  public static GuestRam template(Path file) {
    return new GuestRam(file, false);
  }

  /** RAM in {@code file}, a copy of a template's, and device state to come over QMP. */
  public static GuestRam restore(Path file) {
    return new GuestRam(file, true);
  }

  public boolean sharedFile() {
    return file != null;
  }
}
