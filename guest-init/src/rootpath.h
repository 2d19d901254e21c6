/*
 * Paths inside a container's root, resolved as the container would resolve
 * them: with openat2(RESOLVE_IN_ROOT), so a symlink in the image (say
 * /etc/hosts -> /../../../run) can never lead outside the root, and mounts
 * go onto the opened fd through /proc/self/fd/N, so nothing can swap the
 * path in between. Used by the child while it builds the container's mount
 * namespace (mounts.c, devices.c, masks.c).
 */
#ifndef PEAPOD_ROOTPATH_H
#define PEAPOD_ROOTPATH_H

#include <stddef.h>

/* openat2(rootfd, rel, flags | O_CLOEXEC) resolved in the root; "" is the
 * root itself. */
int open_in(int rootfd, const char *rel, int flags);
/* O_PATH fd of directory `rel`, creating what is missing. */
int ensure_dir(int rootfd, const char *rel);
/* O_PATH fd of file `rel` (a bind mount target for a file), creating it
 * and its directories when missing; a dangling symlink there is replaced. */
int ensure_file(int rootfd, const char *rel);
/* "/proc/self/fd/N" */
const char *fdpath(int fd, char *buf, size_t cap);
/* mount(2) onto `rel`, created as a directory or (is_file) a file. */
int mount_at(int rootfd, const char *rel, int is_file, const char *src, const char *type,
	     unsigned long flags, const char *data);
/* Remounts the bind mount now at `rel` read-only, with `extra` flags and the
 * nosuid, nodev and noexec it already has. */
int remount_ro(int rootfd, const char *rel, unsigned long extra);

#endif
