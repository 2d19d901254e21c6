package dev.peapod.provider.qemu;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where {@code peapod-vm-mounts} is: the root helper in a VM user's launch chain that gives its QEMU
 * the trees of its hostPath volumes as idmapped mounts in a mount namespace of QEMU's own (see
 * {@code providers/qemu/native/vm-mounts.c} and {@link HostShares}). Found as the initramfs is:
 * {@code peapod.vmMounts}/{@code PEAPOD_VM_MOUNTS}, else {@value #DEFAULT}; the {@code peapod}
 * launcher and the builds' tests name this checkout's {@code build/peapod-vm-mounts}.
 */
final class VmMounts {

  static final String DEFAULT = "/usr/lib/peapod/peapod-vm-mounts";

  private VmMounts() {}

  /** The helper this process's settings name (whether or not it exists). */
  static Path fromEnvironment() {
    String set = System.getProperty("peapod.vmMounts", System.getenv("PEAPOD_VM_MOUNTS"));
    return Path.of(set == null || set.isBlank() ? DEFAULT : set).toAbsolutePath().normalize();
  }

  /** Why {@code helper} cannot be run, or null if it can. */
  static String problem(Path helper) {
    if (!Files.isRegularFile(helper)) {
      return "the helper that gives a VM user's QEMU its hostPath volumes, " + helper
          + ", does not exist (build it with `make guest-init`, or name it with PEAPOD_VM_MOUNTS)";
    }
    if (!Files.isExecutable(helper)) {
      return helper + " (PEAPOD_VM_MOUNTS) is not executable";
    }
    return null;
  }
}
