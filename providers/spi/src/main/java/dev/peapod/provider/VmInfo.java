package dev.peapod.provider;

import java.time.Duration;
import java.time.Instant;

/**
 * The VM behind a running pod.
 *
 * @param bootId the guest kernel's boot id: it changes exactly when a new VM boots
 * @param pid host process id of the VMM
 * @param accelerator how the guest executes, e.g. {@code kvm} or {@code tcg}
 * @param startedAt when the VMM process was launched
 * @param bootTime from VMM launch to the guest reporting ready
 * @param boot how the VM came up, for people: {@link #COLD_BOOT}, or starting with {@link #RESTORED} or {@link
 *     #WARM}; {@link #kind()} says which
 */
public record VmInfo(String bootId, long pid, String accelerator, Instant startedAt, Duration bootTime,
    String boot) {

  public static final String COLD_BOOT = "cold boot";
  /** How {@code boot} starts for a VM restored from a template VM as the pod started. */
  public static final String RESTORED = "restored from template";
  /**
   * How {@code boot} starts for a VM taken from a warm pool: restored from a template before the
   * pod asked, waiting with no pod, and given to this pod alone.
   */
  public static final String WARM = "warm from pool";

  public VmInfo {
    boot = boot == null || boot.isBlank() ? COLD_BOOT : boot;
  }

  /** {@code cold}, {@code template} or {@code warm}: how the VM came up, in a word (ps's BOOT column). */
  public String kind() {
    if (boot.startsWith(WARM)) {
      return "warm";
    }
    return boot.startsWith(RESTORED) ? "template" : "cold";
  }

  /** A VM that booted cold. */
  public VmInfo(String bootId, long pid, String accelerator, Instant startedAt, Duration bootTime) {
    this(bootId, pid, accelerator, startedAt, bootTime, COLD_BOOT);
  }
}
