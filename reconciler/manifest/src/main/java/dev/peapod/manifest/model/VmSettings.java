package dev.peapod.manifest.model;

import java.util.Objects;
import java.util.Optional;

/**
 * The VM-level settings of a pod, resolved: written in {@code spec.vm} or sized from the
 * containers' resources (see {@code dev.peapod.manifest.decode.VmSizing}). Changing any of them
 * needs a new VM.
 *
 * @param vcpus at least 1
 * @param memory guest RAM, at least {@link #MIN_MEMORY}
 * @param kernel a guest kernel to boot instead of the default
 * @param accel accelerator choice
 * @param pidsMax at most this many tasks in all the pod's containers together (Kubernetes'
 *     pod-level {@code limits.pids}, or {@code spec.vm.pids}); 0 for no limit
 */
public record VmSettings(int vcpus, Quantity memory, Optional<String> kernel, Accel accel, long pidsMax) {

  /** Without a PID limit. */
  public VmSettings(int vcpus, Quantity memory, Optional<String> kernel, Accel accel) {
    this(vcpus, memory, kernel, accel, 0);
  }

  /** The smallest guest that boots Peapod's kernel and init (measured: ~32 MiB). */
  public static final Quantity MIN_MEMORY = Quantity.ofMebibytes(32);

  public VmSettings {
    Objects.requireNonNull(memory, "memory");
    kernel = kernel == null ? Optional.empty() : kernel;
    accel = accel == null ? Accel.AUTO : accel;
  }

  /** Guest RAM in whole MiB, rounded up. */
  public long memoryMiB() {
    return memory.toMebibytesCeil();
  }
}
