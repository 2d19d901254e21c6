/*
 * Who this VM is: the boot id it reports in READY, and how a VM restored
 * from a template snapshot stops being a copy of every other VM restored
 * from it (RESTORED).
 */
#ifndef PEAPOD_IDENTITY_H
#define PEAPOD_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

/* Takes the kernel's boot id as this VM's. */
void identity_init(void);

/* The boot id READY reports. */
const char *identity_boot_id(void);

/*
 * A VM restored from a template shares the template's memory, so its kernel
 * boot id and CRNG state too: mixes `entropy` from the host into the kernel's
 * pool and forces a CRNG reseed, sets the wall clock to `time_ns` (ns since
 * the epoch), then takes a fresh boot id from the reseeded RNG. Returns 0, or
 * -errno with `why` naming the step that failed.
 */
int identity_renew(const uint8_t *entropy, size_t len, uint64_t time_ns, const char **why);

#endif
