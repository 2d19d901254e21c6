/*
 * A container's /dev: the device nodes it may open, and nothing else.
 */
#ifndef PEAPOD_DEVICES_H
#define PEAPOD_DEVICES_H

#include <stddef.h>

/* Child side: mounts /dev in the root `rootfd` (see devices.c). 0, or an
 * errno with err set. */
int devices_setup(int rootfd, char *err, size_t errlen);

#endif
