/**
 * What the provider keeps on disk (one directory per pod with atomically
 * written JSON records and the VM's sockets and logs) and what it reads from
 * /proc to recognise its VMs after a restart.
 */
package dev.peapod.provider.qemu.runtime;
