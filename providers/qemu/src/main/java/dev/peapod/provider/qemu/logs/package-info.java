/** Reading container output from the log file the guest fills through its "peapod.log" port. */
package dev.peapod.provider.qemu.logs;
