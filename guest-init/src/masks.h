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

/*
 * Where a volume may not go, as runc's checkProcMount refuses mounts over
 * /proc: a volume there would shadow what the tables above mask or make
 * read-only, or what the kernel's knobs say (a cap_last_cap of the
 * volume's). By the path the request gave: /proc, /sys and anything under
 * them; /dev itself and what devices.c makes in it (its nodes, pts, fd and
 * the std* links), but not /dev/shm or other new paths. NULL, or what the
 * path would shadow.
 */
const char *masks_refused_mount_path(const char *path);

/*
 * Child side, just before a volume is mounted on `fd`, the O_PATH fd of
 * `path` (absolute; for the message) in the root `rootfd` that the mount
 * itself goes on (never the path resolved again: a sidecar may swap it in
 * between): the same rule for where the path resolves, since a
 * symlink in the image or in a volume mounted before may lead anywhere in
 * the root. Refuses a destination on a kernel filesystem (by the f_type of
 * the fd: proc, sysfs, devpts, cgroup and cgroup2, mqueue, securityfs,
 * debugfs, tracefs, bpf, configfs and the rest of masks.c's table), a
 * directory whose parent is on one of them but devpts (a masking tmpfs, a
 * filesystem's mount point there), a device node, /dev and the root
 * itself; whatever cannot be looked at is refused too. 0, or an errno with
 * err set.
 */
int masks_check_mount_target(int rootfd, int fd, const char *path, char *err, size_t errlen);

#endif
