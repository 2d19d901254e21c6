package dev.peapod.provider;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The VM-level part of a pod: changing any of it needs a new VM.
 *
 * @param vcpus virtual CPUs, at least 1
 * @param memoryMiB guest RAM in MiB, at least 32
 * @param kernel a guest kernel to boot instead of the provider's default
 */
public record VmResources(int vcpus, int memoryMiB, Optional<Path> kernel, long pidsMax) {

  /** Without a PID limit. */
  public VmResources(int vcpus, int memoryMiB, Optional<Path> kernel) {
    this(vcpus, memoryMiB, kernel, 0);
  }

  public static final int MIN_MEMORY_MIB = 32;
  public static final VmResources DEFAULT = new VmResources(1, 128, Optional.empty());

  public VmResources {
    if (vcpus < 1) {
      throw new IllegalArgumentException("vcpus must be at least 1, got " + vcpus);
    }
    if (memoryMiB < MIN_MEMORY_MIB) {
      throw new IllegalArgumentException(
          "memory must be at least " + MIN_MEMORY_MIB + " MiB, got " + memoryMiB);
    }
    kernel = kernel == null ? Optional.empty() : kernel;
    if (pidsMax < 0) {
      throw new IllegalArgumentException("pidsMax must not be negative, got " + pidsMax);
    }
  }
}
