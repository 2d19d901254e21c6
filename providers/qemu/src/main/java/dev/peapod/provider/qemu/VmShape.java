package dev.peapod.provider.qemu;

import java.nio.file.Path;

/**
 * What a VM is until guest-init's READY, before any pod is in it: what a template VM is made
 * for (see {@link TemplateCatalogue}) and what a warm pool VM waits as (see {@link WarmPool}).
 * Pods whose VMs have the same shape share templates and pool VMs.
 *
 * @param kernel the guest kernel
 * @param initrd the initramfs with guest-init
 * @param vcpus virtual CPUs
 * @param memoryMiB guest RAM
 * @param accelerator KVM or TCG
 */
record VmShape(Path kernel, Path initrd, int vcpus, int memoryMiB, Accelerator accelerator) {}
