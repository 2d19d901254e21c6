/**
 * The provider SPI: the operations a hypervisor layer offers (create, start,
 * replace, stop, remove, inspect, list, logs, exec) and the provider-neutral
 * types they take. Nothing here names a VMM, a device model or a transport, so
 * QEMU, Cloud Hypervisor and Firecracker implement it without change.
 */
package dev.peapod.provider;
