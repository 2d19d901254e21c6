/*
 * Masked and read-only paths of a container's /proc and /sys. See masks.h.
 *
 * A container has its own /proc (of the pod's PID namespace) and a
 * read-only /sys, but both still show the guest kernel's global knobs:
 * /proc/sys/kernel/core_pattern names a program the kernel runs as guest
 * root on any crash, /proc/sysrq-trigger reboots the VM, /proc/kcore is the
 * guest's memory. As runc does, these are covered before the process gets
 * the root: a masked file has /dev/null bound over it, a masked directory an
 * empty read-only tmpfs; a read-only path is bound onto itself and that
 * bind remounted read-only. The container cannot undo either: it has no
 * CAP_SYS_ADMIN and its seccomp profile refuses mount(2) and umount(2).
 * Paths the kernel does not have are skipped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "masks.h"
#include "rootpath.h"
#include "util.h"

/* runc's default maskedPaths: unreadable to the container. */
static const char *const masked_paths[] = {
	"/proc/acpi",
	"/proc/asound",
	"/proc/kcore",
	"/proc/keys",
	"/proc/latency_stats",
	"/proc/timer_list",
	"/proc/timer_stats",
	"/proc/sched_debug",
	"/proc/scsi",
	"/sys/firmware",
	"/sys/devices/virtual/powercap",
};

/* runc's default readonlyPaths: readable, never writable. */
static const char *const readonly_paths[] = {
	"/proc/bus",
	"/proc/fs",
	"/proc/irq",
	"/proc/sys",
	"/proc/sysrq-trigger",
};

#define RO_FLAGS (MS_NOSUID | MS_NODEV | MS_NOEXEC)

static int mask(int rootfd, const char *path, char *err, size_t errlen)
{
	char p[64];
	struct stat st;
	int fd = open_in(rootfd, path + 1, O_PATH);
	int rc;

	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 || fstat(fd, &st) < 0) {
		rc = errno;
		snprintf(err, errlen, "cannot open %s to mask it: %s", path, strerror(rc));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	if (S_ISDIR(st.st_mode))
		rc = mount("tmpfs", fdpath(fd, p, sizeof(p)), "tmpfs", MS_RDONLY | RO_FLAGS,
			   "mode=0555");
	else
		rc = mount("/dev/null", fdpath(fd, p, sizeof(p)), NULL, MS_BIND, NULL);
	rc = rc < 0 ? errno : 0;
	close(fd);
	if (rc)
		snprintf(err, errlen, "cannot mask %s: %s", path, strerror(rc));
	return rc;
}

static int make_readonly(int rootfd, const char *path, char *err, size_t errlen)
{
	char p[64];
	int fd = open_in(rootfd, path + 1, O_PATH);
	int rc;

	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0) {
		rc = errno;
		snprintf(err, errlen, "cannot open %s to make it read-only: %s", path, strerror(rc));
		return rc;
	}
	fdpath(fd, p, sizeof(p));
	rc = mount(p, p, NULL, MS_BIND | MS_REC, NULL);
	if (rc == 0)
		rc = remount_ro(rootfd, path + 1, RO_FLAGS);
	rc = rc < 0 ? errno : 0;
	close(fd);
	if (rc)
		snprintf(err, errlen, "cannot make %s read-only: %s", path, strerror(rc));
	return rc;
}

int masks_apply(int rootfd, char *err, size_t errlen)
{
	size_t i;
	int rc;

	for (i = 0; i < ARRAY_LEN(masked_paths); i++) {
		if ((rc = mask(rootfd, masked_paths[i], err, errlen)) != 0)
			return rc;
	}
	for (i = 0; i < ARRAY_LEN(readonly_paths); i++) {
		if ((rc = make_readonly(rootfd, readonly_paths[i], err, errlen)) != 0)
			return rc;
	}
	return 0;
}
