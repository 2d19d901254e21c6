/*
 * Masked and read-only paths of a container's /proc and /sys. See masks.h.
 *
 * A container has its own /proc (of the pod's PID namespace) and a
 * read-only /sys, but both still show the guest kernel's global knobs:
 * /proc/sys/kernel/core_pattern names a program the kernel runs as guest
 * root on any crash, /proc/sysrq-trigger reboots the VM, /proc/kcore is the
 * guest's memory. As runc does, these are covered before the process gets
 * the root: a masked file has /dev/null bound over it, a masked directory an
 * empty read-only tmpfs; a read-only path gets a read-only copy of its own
 * tree, made read-only before it is attached on the path's fd (no second
 * look-up of the path). The container cannot undo either: it has no
 * CAP_SYS_ADMIN and its seccomp profile refuses mount(2) and umount(2).
 * Paths the kernel does not have are skipped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x04
#define MOVE_MOUNT_T_EMPTY_PATH 0x40
#endif
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x1
#define MOUNT_ATTR_NOSUID 0x2
#define MOUNT_ATTR_NODEV 0x4
#define MOUNT_ATTR_NOEXEC 0x8
#endif

struct masks_mount_attr {
	unsigned long long attr_set, attr_clr, propagation, userns_fd;
};

/*
 * A copy of the tree at the path's O_PATH fd (open_tree, OPEN_TREE_CLONE)
 * is made read-only, nosuid, nodev, noexec while it is attached nowhere
 * (mount_setattr), then attached on that very fd (move_mount), as mounts.c
 * does for read-only volumes. A bind and then a remount by path (remount_ro)
 * looked the path up again after the bind, so whatever the second look-up
 * found was made read-only, not necessarily the bind. Recursive, unlike the
 * remount (top mount only): a filesystem mounted under a read-only path
 * (binfmt_misc under /proc/sys/fs, say) is read-only in the copy too.
 */
static int make_readonly(int rootfd, const char *path, char *err, size_t errlen)
{
	struct masks_mount_attr attr = {
		MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, 0, 0, 0
	};
	int fd = open_in(rootfd, path + 1, O_PATH);
	int tree, rc;

	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0) {
		rc = errno;
		snprintf(err, errlen, "cannot open %s to make it read-only: %s", path, strerror(rc));
		return rc;
	}
	tree = (int)syscall(SYS_open_tree, fd, "",
			    OPEN_TREE_CLONE | O_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
	rc = tree < 0 ? -1 : 0;
	if (rc == 0)
		rc = (int)syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr,
				  sizeof(attr));
	if (rc == 0)
		rc = (int)syscall(SYS_move_mount, tree, "", fd, "",
				  MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
	rc = rc < 0 ? errno : 0;
	if (tree >= 0)
		close(tree); /* a tree attached nowhere goes with its last fd */
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

/*
 * Filesystems that are the kernel's interface rather than data, by f_type
 * (linux/magic.h), whether or not the VM kernel has them today: their files
 * are knobs (cgroup limits and cgroup.procs, securityfs policies, debugfs
 * and tracefs, bpf pins, configfs items, binfmt_misc's interpreters, fuse
 * connections' abort, pstore's crash records, EFI variables, resctrl) or
 * kernel objects (mqueue's queues, devpts' terminals, nsfs' namespaces). A
 * volume over one shadows what the container would read there, or what the
 * masks cover, as over /proc. By the type of the filesystem the fd is on,
 * not by the path's name: a symlink planted in a volume may lead anywhere
 * in the root. Not listed: filesystems that hold data (tmpfs and devtmpfs,
 * which share tmpfs' magic, ramfs, hugetlbfs, the images' and volumes'
 * filesystems), where nested volumes are ordinary.
 */
static const struct {
	unsigned long type;
	const char *name;
} kernel_fs_types[] = {
	{ 0x9fa0, "proc" },            /* PROC_SUPER_MAGIC */
	{ 0x62656572, "sysfs" },       /* SYSFS_MAGIC */
	{ 0x27e0eb, "cgroup" },        /* CGROUP_SUPER_MAGIC (v1) */
	{ 0x63677270, "cgroup2" },     /* CGROUP2_SUPER_MAGIC */
	{ 0x73636673, "securityfs" },  /* SECURITYFS_MAGIC */
	{ 0x64626720, "debugfs" },     /* DEBUGFS_MAGIC */
	{ 0x74726163, "tracefs" },     /* TRACEFS_MAGIC */
	{ 0xcafe4a11, "bpf" },         /* BPF_FS_MAGIC */
	{ 0x62656570, "configfs" },    /* CONFIGFS_MAGIC */
	{ 0x19800202, "mqueue" },      /* MQUEUE_MAGIC */
	{ 0x42494e4d, "binfmt_misc" }, /* BINFMTFS_MAGIC */
	{ 0x65735543, "fusectl" },     /* FUSE_CTL_SUPER_MAGIC */
	{ 0x6165676c, "pstore" },      /* PSTOREFS_MAGIC */
	{ 0xde5e81e4, "efivarfs" },    /* EFIVARFS_MAGIC */
	{ 0x7655821, "resctrl" },      /* RDTGROUP_SUPER_MAGIC */
	{ 0xf97cff8c, "selinuxfs" },   /* SELINUX_MAGIC */
	{ 0x43415d53, "smackfs" },     /* SMACK_MAGIC */
	{ 0x6e736673, "nsfs" },        /* NSFS_MAGIC */
};
#define DEVPTS_SUPER_MAGIC 0x1cd1

/* What the refusal says: the message for proc, sysfs and devpts is the one
 * users (and FailureModesIT) have seen since 282335f. */
static const char *kernel_fs(int fd, int with_devpts, char *buf, size_t cap)
{
	struct statfs fs;
	unsigned long type;
	size_t i;

	if (fstatfs(fd, &fs) < 0)
		return "/proc, /sys or /dev/pts"; /* cannot tell: refused */
	type = (unsigned long)(unsigned int)fs.f_type;
	if (with_devpts && type == DEVPTS_SUPER_MAGIC)
		return "/proc, /sys or /dev/pts";
	for (i = 0; i < ARRAY_LEN(kernel_fs_types); i++) {
		if (type != kernel_fs_types[i].type)
			continue;
		if (i < 2)
			return with_devpts ? "/proc, /sys or /dev/pts" : "/proc or /sys";
		snprintf(buf, cap, "the kernel's %s filesystem", kernel_fs_types[i].name);
		return buf;
	}
	return NULL;
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
	char fsname[64];
	struct stat st;
	int parent;

	if (fstat(fd, &st) < 0)
		what = "/proc, /sys or /dev/pts"; /* cannot tell: refused */
	else if ((what = kernel_fs(fd, 1, fsname, sizeof(fsname))) != NULL)
		;
	else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
		what = "a device";
	else if (same_file(rootfd, "", &st) || same_file(rootfd, "dev", &st))
		what = "the container's root or /dev";
	else if (S_ISDIR(st.st_mode)) {
		/* ".." of a mount's root is the directory it covers. */
		parent = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (parent < 0)
			what = "/proc or /sys";
		else
			what = kernel_fs(parent, 0, fsname, sizeof(fsname));
		if (parent >= 0)
			close(parent);
	}
	if (!what)
		return 0;
	snprintf(err, errlen, "mount path \"%s\" leads to %s, where no volume may be mounted", path,
		 what);
	return EPERM;
}
