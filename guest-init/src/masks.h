/*
 * The parts of /proc and /sys a container may not see (masked) or change
 * (read-only), as runc's defaults have them.
 */
#ifndef PEAPOD_MASKS_H
#define PEAPOD_MASKS_H

#include <stddef.h>

/* Child side, after /proc and /sys are mounted in the root `rootfd`:
 * masks and write-protects the paths of the tables in masks.c. 0, or an
 * errno with err set. */
int masks_apply(int rootfd, char *err, size_t errlen);

#endif
