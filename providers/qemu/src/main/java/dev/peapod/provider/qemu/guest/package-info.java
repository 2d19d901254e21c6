/**
 * The host side of the host ↔ guest-init protocol of
 * {@code guest-init/src/proto.h}: constants ({@link dev.peapod.provider.qemu.guest.Wire}),
 * frames and TLV fields with a pure, incremental codec, and
 * {@link dev.peapod.provider.qemu.guest.GuestConnection}, a client of the
 * control port that matches replies to requests by seq, acknowledges events
 * and routes exec streams.
 */
package dev.peapod.provider.qemu.guest;
