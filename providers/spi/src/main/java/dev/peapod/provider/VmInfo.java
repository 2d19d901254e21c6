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
 * @param boot how the VM came up, for people: {@link #COLD_BOOT}, or e.g. "restored from template"
 */
public record VmInfo(String bootId, long pid, String accelerator, Instant startedAt, Duration bootTime,
    String boot) {

  public static final String COLD_BOOT = "cold boot";

  public VmInfo {
    boot = boot == null || boot.isBlank() ? COLD_BOOT : boot;
  }

  /** A VM that booted cold. */
  public VmInfo(String bootId, long pid, String accelerator, Instant startedAt, Duration bootTime) {
    this(bootId, pid, accelerator, startedAt, bootTime, COLD_BOOT);
  }
}
