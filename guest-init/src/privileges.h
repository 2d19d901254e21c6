/*
 * What a container process may do as root: the default capability set
 * (one table in privileges.c) and no_new_privs.
 */
#ifndef PEAPOD_PRIVILEGES_H
#define PEAPOD_PRIVILEGES_H

#include <stddef.h>
#include <stdint.h>

/* The default set as a mask (bit N: capability N), as /proc/PID/status
 * shows it in CapBnd. */
uint64_t privileges_default_caps(void);

/* Child side, while still root: drops every capability outside `keep` (a
 * mask, privileges_default_caps() unless the securityContext says
 * otherwise) from the bounding set, so no later execve() can grant it. 0,
 * or an errno with err set. */
int privileges_drop_caps(uint64_t keep, char *err, size_t errlen);

/* Sets the effective and permitted capabilities to `caps` (bits past the
 * kernel's last are ignored by it) and the inheritable ones to none, and
 * checks they are so. 0, or an errno with err set. */
int privileges_set_caps(uint64_t caps, char *err, size_t errlen);

/* Child side: sets no_new_privs, so neither setuid/setgid bits nor file
 * capabilities grant anything at execve(). 0, or an errno with err set. */
int privileges_no_new_privs(char *err, size_t errlen);

#endif
