package dev.peapod.engine.spec;

import dev.peapod.manifest.model.VmSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What this host can give one VM: its CPUs and its memory. A pod asking for more (a pod-level
 * {@code memory: 1000Gi}, {@code cpu: "100"}) could never be scheduled on a Kubernetes node of
 * this size; here it is refused before anything is created, with both numbers, rather than
 * launched as a VM that QEMU cannot back or that crawls on 100 vCPUs of a 2-core host.
 *
 * @param cpus CPUs the host has (what the JVM sees, cgroup limits included)
 * @param memoryMiB the host's total memory, MemTotal of /proc/meminfo
 */
public record HostCapacity(int cpus, long memoryMiB) {

  /** This host, read once. */
  public static final HostCapacity HOST = read();

  private static HostCapacity read() {
    long memory = Long.MAX_VALUE;
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          memory = Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // No /proc/meminfo (not Linux): memory is not checked, QEMU will say.
    }
    return new HostCapacity(Runtime.getRuntime().availableProcessors(), memory);
  }

  /** Why a VM of this size cannot run here, if it cannot. */
  public Optional<String> problem(VmSettings vm) {
    if (vm.memoryMiB() > memoryMiB) {
      return Optional.of("the VM would need " + vm.memoryMiB() + " MiB of memory; this host has "
          + memoryMiB + " MiB in all, so the pod cannot be scheduled here");
    }
    if (vm.vcpus() > cpus) {
      return Optional.of("the VM would need " + vm.vcpus() + " vCPUs; this host has " + cpus
          + " CPUs, so the pod cannot be scheduled here");
    }
    return Optional.empty();
  }
}
