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
#include <sys/vfs.h>
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

/* What devices.c puts in a container's /dev: a volume over one of them
 * would replace the node the container is allowed (or the pty master). */
static const char *const dev_entries[] = {
	"null", "zero", "full", "random", "urandom", "tty", "console",
	"ptmx", "pts", "fd", "stdin", "stdout", "stderr",
};

/* The n-th component of `path` (empty ones and "." skipped) into buf;
 * 0 if there is none. */
static int component(const char *path, int n, char *buf, size_t cap)
{
	const char *p = path;

	for (;;) {
		size_t len;

		while (*p == '/')
			p++;
		if (!*p)
			return 0;
		len = strcspn(p, "/");
		if (!(len == 1 && *p == '.') && n-- == 0) {
			snprintf(buf, cap, "%.*s", (int)(len < cap ? len : cap - 1), p);
			return 1;
		}
		p += len;
	}
}

const char *masks_refused_mount_path(const char *path)
{
	char first[16], second[16];
	size_t i;

	if (!component(path, 0, first, sizeof(first)))
		return "the container's root";
	if (strcmp(first, "proc") == 0)
		return "the container's /proc";
	if (strcmp(first, "sys") == 0)
		return "the container's /sys";
	if (strcmp(first, "dev") != 0)
		return NULL;
	if (!component(path, 1, second, sizeof(second)))
		return "the container's /dev";
	for (i = 0; i < ARRAY_LEN(dev_entries); i++) {
		if (strcmp(second, dev_entries[i]) == 0)
			return "a device of the container's /dev";
	}
	return NULL;
}

#define PROC_SUPER_MAGIC 0x9fa0
#define SYSFS_MAGIC 0x62656572
#define DEVPTS_SUPER_MAGIC 0x1cd1

static int on_kernel_fs(int fd, int with_devpts)
{
	struct statfs fs;

	if (fstatfs(fd, &fs) < 0)
		return 1; /* cannot tell: refused */
	return fs.f_type == PROC_SUPER_MAGIC || fs.f_type == SYSFS_MAGIC ||
	       (with_devpts && fs.f_type == DEVPTS_SUPER_MAGIC);
}

static int same_file(int rootfd, const char *rel, const struct stat *st)
{
	struct stat other;
	int fd = open_in(rootfd, rel, O_PATH);
	int same = fd >= 0 && fstat(fd, &other) == 0 && other.st_dev == st->st_dev &&
		   other.st_ino == st->st_ino;

	if (fd >= 0)
		close(fd);
	return same;
}

int masks_check_mount_target(int rootfd, int fd, const char *path, char *err, size_t errlen)
{
	const char *what = NULL;
	struct stat st;
	int parent;

	if (fstat(fd, &st) < 0 || on_kernel_fs(fd, 1))
		what = "/proc, /sys or /dev/pts";
	else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
		what = "a device";
	else if (same_file(rootfd, "", &st) || same_file(rootfd, "dev", &st))
		what = "the container's root or /dev";
	else if (S_ISDIR(st.st_mode)) {
		/* ".." of a mount's root is the directory it covers. */
		parent = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (parent < 0 || on_kernel_fs(parent, 0))
			what = "/proc or /sys";
		if (parent >= 0)
			close(parent);
	}
	if (!what)
		return 0;
	snprintf(err, errlen, "mount path \"%s\" leads to %s, where no volume may be mounted", path,
		 what);
	return EPERM;
}
