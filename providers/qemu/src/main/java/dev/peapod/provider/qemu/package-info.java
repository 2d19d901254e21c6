/**
 * The QEMU provider: runs each pod in a {@code qemu-system-x86_64 -M microvm}
 * guest that boots the Peapod kernel with guest-init as PID 1.
 *
 * <p>{@link dev.peapod.provider.qemu.QemuProvider} implements the SPI on top of
 * {@link dev.peapod.provider.qemu.PodVm} (boot, replace, shutdown of one
 * pod's VM), {@link dev.peapod.provider.qemu.QemuCommandLine} (the argv, never
 * a shell string) and {@link dev.peapod.provider.qemu.AcceleratorProbe} (KVM
 * only when a probe boot proves it, else TCG). Sub-packages: {@code guest}
 * (the wire protocol and its client), {@code qmp} (QEMU's monitor, the
 * fallback when the guest does not answer), {@code runtime} (the state
 * directory and /proc facts), {@code logs} (the container log file).
 */
package dev.peapod.provider.qemu;
