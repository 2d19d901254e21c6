package dev.peapod.provider.qemu;

import java.nio.file.Path;

/**
 * How a VM's guest RAM is backed.
 *
 * <p>A cold boot uses a memfd (see {@link QemuCommandLine}). A template VM and
 * the VMs restored from it use a file instead: with QEMU's {@code x-ignore-shared}
 * migration capability, RAM in a shared mapping is left out of the migration
 * stream, so a snapshot is the RAM file plus ~100 KB of device state, and a
 * restore maps the RAM file instead of parsing 20+ MiB of pages out of the
 * stream (measured: ~200 ms against ~520 ms launch→READY under TCG,
 * bench/RESULTS.md).
 *
 * <p>A restored VM maps either its own copy of the template's RAM, shared, or the
 * template's RAM itself, privately (copy on write: pages the guest never writes
 * stay one copy for every VM of the template): a ramfs file for QEMU run as root, a
 * sealed memfd for QEMU run as a VM user; see {@link TemplateRam}.
 *
 * @param file the RAM file, or null for a memfd; for a sealed memfd, its holder's {@code /proc/PID/fd/N}
 * @param incoming whether QEMU waits for migration state ({@code -incoming defer}) instead of booting
 * @param privateMapping whether the file is mapped copy-on-write ({@code share=off}) rather than shared
 * @param sealedIdentity for a sealed memfd, its {@code DEV:INO} as {@code stat -L -c %d:%i} prints it,
 *     which the launch checks on what it opened (null otherwise)
 * @param holderStartTime for a sealed memfd, the start time of the process holding it (field 22 of its
 *     {@code /proc/PID/stat}), which the launch checks before it opens anything there: by then the pid could be
 *     another process's, whose fd N could be a FIFO (an open that blocks) or a device (an open with effects)
 */
public record GuestRam(Path file, boolean incoming, boolean privateMapping, String sealedIdentity, long holderStartTime) {

  public static final GuestRam MEMFD = new GuestRam(null, false, false, null, 0);

  /** RAM in {@code file}, booted: a template VM being made. */
  public static GuestRam template(Path file) {
    return new GuestRam(file, false, false, null, 0);
  }

  /** RAM in {@code file}, the VM's own copy of a template's, and device state to come over QMP. */
  public static GuestRam restoreCopy(Path file) {
    return new GuestRam(file, true, false, null, 0);
  }

  /** RAM mapped copy-on-write from a template's RAM {@code file}, and device state to come over QMP. */
  public static GuestRam restorePrivate(Path file) {
    return new GuestRam(file, true, true, null, 0);
  }

  /**
   * RAM mapped copy-on-write from a template's sealed memfd, which root's launch opens as {@code
   * holderFd} ({@code /proc/PID/fd/N} of the process holding it, which started at {@code holderStartTime})
   * and accepts only if it is {@code identity}; device state to come over QMP.
   */
  public static GuestRam restoreSealed(Path holderFd, long holderStartTime, String identity) {
    return new GuestRam(holderFd, true, true, identity, holderStartTime);
  }

  /** Whether this is a template's sealed memfd (see {@link TemplateRam}). */
  public boolean sealed() {
    return sealedIdentity != null;
  }

  public boolean backedByFile() {
    return file != null;
  }
}
