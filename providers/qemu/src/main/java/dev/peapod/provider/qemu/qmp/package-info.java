/** A minimal QMP client: enough to ask QEMU for its status and to make it quit. */
package dev.peapod.provider.qemu.qmp;
