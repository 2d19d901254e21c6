package dev.peapod.provider.qemu.runtime;

import java.time.Duration;
import java.time.Instant;

/**
 * A warm pool VM as its keeper recorded it ({@code pool.json} in the VM's directory): restored from
 * a template, answered RESTORED, and has never had a pod.
 *
 * @param name its name: QEMU's {@code -name peapod-<name>}, never a pod name (it has a {@code .})
 * @param templateKey the template it was restored from, which is also its shape's key
 * @param memoryMiB its guest RAM, for the pool's memory budget
 * @param pid the QEMU process
 * @param processStartTime its start time in clock ticks since host boot
 * @param hostBootId the host's boot id at launch: after a host reboot no pool VM survives
 * @param guestBootId the boot id its guest took at RESTORED
 * @param freePageReporting whether its guest still reports free pages (its RAM is its own copy)
 * @param startedAt when QEMU was launched
 * @param bootTime from launch until RESTORED was answered
 * @param vmUser the uid its QEMU runs as (see {@link VmUsers}), null for the user running Peapod
 * @param vmClaim the token of its uid's claim (see {@link VmUsers#CLAIM_FILE}), null without one
 * @param restoreSettings what its keeper restored it under beyond the template (VM users, template RAM
 *     sharing, same-page merging): a taker whose settings differ leaves it waiting, null from older keepers
 */
public record PoolVmRecord(
    String name,
    String templateKey,
    int memoryMiB,
    long pid,
    long processStartTime,
    String hostBootId,
    String guestBootId,
    boolean freePageReporting,
    Instant startedAt,
    Duration bootTime,
    Integer vmUser,
    String vmClaim,
    String restoreSettings) {

  /** A pool VM whose QEMU runs as the user running Peapod. */
  public PoolVmRecord(String name, String templateKey, int memoryMiB, long pid, long processStartTime,
      String hostBootId, String guestBootId, boolean freePageReporting, Instant startedAt, Duration bootTime,
      String restoreSettings) {
    this(name, templateKey, memoryMiB, pid, processStartTime, hostBootId, guestBootId, freePageReporting, startedAt,
        bootTime, null, null, restoreSettings);
  }

  /** The file in a pool VM's directory. */
  public static final String FILE = "pool.json";
}
