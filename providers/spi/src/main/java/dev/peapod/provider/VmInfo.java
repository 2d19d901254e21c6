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
 */
public record VmInfo(String bootId, long pid, String accelerator, Instant startedAt, Duration bootTime) {}
