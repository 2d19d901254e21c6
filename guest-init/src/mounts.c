/*
 * Image, writable layer and container mounts. See mounts.h.
 *
 * How a container gets its root: guest-init moves itself at boot from the
 * initramfs onto a tmpfs (main.c), because pivot_root(2) refuses to pivot
 * away from rootfs. That makes a real pivot_root possible here, which
 * (unlike MS_MOVE + chroot) leaves no path back to init's filesystem in the
 * container's mount namespace: the old root is detached entirely.
 *
 * Mount targets inside the container are resolved inside its root
 * (rootpath.c); its /dev is devices.c's, the masked and read-only parts of
 * its /proc and /sys are masks.c's.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "devices.h"
#include "files.h"
#include "masks.h"
#include "mounts.h"
#include "pidns.h"
#include "pod.h"
#include "proto.h"
#include "request.h"
#include "rootpath.h"
#include "share.h"
#include "trace.h"
#include "util.h"

struct image {
	struct image *next;
	char key[PP_MAX_IMAGE_FILE + 8]; /* "blk:SERIAL" or "file:NAME" */
	char dir[64];
	int refs;
	struct stat file; /* a file image: the share file it was mounted from */
};

/*
 * Images no container uses stay mounted, up to this many: a replace usually
 * brings back the images of the containers it removed, and a kept mount
 * saves the mount and, more, keeps the image's page cache, so the next
 * container's exec does not read its binaries from the device again.
 */
#define MAX_IDLE_IMAGES 2

static unsigned file_images; /* names the mount points of file images */

static struct image *images;

/* ---- Images -------------------------------------------------------------- */

static int find_block_device(const char *serial, char *dev, size_t cap)
{
	DIR *d = opendir("/sys/block");
	struct dirent *e;
	int found = -1;

	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL) {
		char path[300], val[64];
		ssize_t n;

		if (strncmp(e->d_name, "vd", 2) != 0)
			continue;
		if (fmt(path, sizeof(path), "/sys/block/%s/serial", e->d_name) < 0)
			continue;
		n = read_file(path, val, sizeof(val));
		while (n > 0 && (val[n - 1] == '\n' || val[n - 1] == ' '))
			val[--n] = 0;
		if (n > 0 && strcmp(val, serial) == 0 &&
		    fmt(dev, cap, "/dev/%s", e->d_name) >= 0) {
			found = 0;
			break;
		}
	}
	closedir(d);
	return found;
}

/* Finds the device behind `serial`, or loop-attaches file `file` of the
 * image share; writes the device to `dev`. Returns the loop fd to close once
 * mounted (-2 for a block device), or -1 with *code and err set. */
static int image_device(const char *serial, const char *file, char *dev, size_t cap,
			struct stat *id, int *code, char *err, size_t errlen)
{
	int fd, lfd;

	if (serial) {
		if (find_block_device(serial, dev, cap) < 0) {
			*code = ENODEV;
			snprintf(err, errlen, "image device with serial \"%s\" not found", serial);
			return -1;
		}
		return -2;
	}
	fd = image_share_open(file, code, err, errlen);
	if (fd < 0)
		return -1;
	if (fstat(fd, id) < 0)
		memset(id, 0, sizeof(*id));
	lfd = loop_attach(fd, file, dev, cap, code, err, errlen);
	close(fd);
	return lfd;
}

static void image_unmount(struct image *img)
{
	if (umount2(img->dir, MNT_DETACH) < 0)
		say("cannot unmount image %s: %s", img->key, strerror(errno));
	rmdir(img->dir);
	free(img);
}

/* Whether an idle file image still is what the share holds under its name:
 * the host may have put another file there since (a tag moved on). */
static int image_current(const struct image *img, const char *file)
{
	char path[300];
	struct stat st;

	if (!file)
		return 1; /* a block device does not change while the VM runs */
	if (fmt(path, sizeof(path), IMAGE_SHARE_DIR "/%s", file) < 0 || stat(path, &st) < 0)
		return 0;
	return st.st_ino == img->file.st_ino && st.st_size == img->file.st_size &&
	       st.st_mtim.tv_sec == img->file.st_mtim.tv_sec &&
	       st.st_mtim.tv_nsec == img->file.st_mtim.tv_nsec;
}

static void image_drop(struct image *img)
{
	struct image **pp;

	for (pp = &images; *pp; pp = &(*pp)->next) {
		if (*pp == img) {
			*pp = img->next;
			break;
		}
	}
	image_unmount(img);
}

struct image *image_get(const char *serial, const char *file, int *code, char *err, size_t errlen)
{
	struct image *img;
	char key[sizeof(img->key)], dev[300];
	struct stat id;
	int lfd;

	if (fmt(key, sizeof(key), serial ? "blk:%s" : "file:%s", serial ? serial : file) < 0) {
		*code = ENAMETOOLONG;
		snprintf(err, errlen, "image name too long");
		return NULL;
	}
	for (img = images; img; img = img->next) {
		if (strcmp(img->key, key) == 0) {
			if (img->refs == 0 && !image_current(img, file)) {
				image_drop(img);
				break;
			}
			img->refs++;
			return img;
		}
	}
	memset(&id, 0, sizeof(id));
	lfd = image_device(serial, file, dev, sizeof(dev), &id, code, err, errlen);
	if (lfd == -1)
		return NULL;
	img = xcalloc(1, sizeof(*img));
	snprintf(img->key, sizeof(img->key), "%s", key);
	if (serial)
		snprintf(img->dir, sizeof(img->dir), IMAGES_DIR "/%s", serial);
	else
		snprintf(img->dir, sizeof(img->dir), IMAGES_DIR "/file.%u", ++file_images);
	if (mkdir_p(img->dir, 0755) < 0 ||
	    mount(dev, img->dir, "erofs", MS_RDONLY | MS_NODEV | MS_NOSUID, NULL) < 0) {
		*code = errno;
		snprintf(err, errlen, "cannot mount image \"%s\" (%s): %s", serial ? serial : file, dev,
			 strerror(errno));
		rmdir(img->dir);
		free(img);
		if (lfd >= 0)
			close(lfd); /* autoclear: the loop device is free again */
		return NULL;
	}
	if (lfd >= 0)
		close(lfd); /* the mount holds the device now; its unmount frees it */
	img->refs = 1;
	img->file = id;
	img->next = images;
	images = img;
	return img;
}

const char *image_dir(const struct image *img)
{
	return img->dir;
}

int image_serial_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > PP_MAX_IMAGE_SERIAL)
		return 0;
	for (; *s; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
			return 0;
	}
	return 1;
}

void image_put(struct image *img)
{
	struct image *i, *oldest;
	int idle;

	if (!img || --img->refs > 0)
		return;
	/* Kept mounted; beyond MAX_IDLE_IMAGES the least recently mounted idle
	 * one goes (the list is newest first). */
	for (;;) {
		idle = 0;
		oldest = NULL;
		for (i = images; i; i = i->next) {
			if (i->refs == 0) {
				idle++;
				oldest = i;
			}
		}
		if (idle <= MAX_IDLE_IMAGES)
			return;
		image_drop(oldest);
	}
}

/* ---- Writable layer ----------------------------------------------------------- */

int rootfs_create(const char *name, const struct image *img, char *err, size_t errlen)
{
	char dir[128], upper[160], work[160], root[160], opts[600];

	if (fmt(dir, sizeof(dir), CONTAINERS_DIR "/%s", name) < 0)
		return ENAMETOOLONG;
	snprintf(upper, sizeof(upper), "%s/upper", dir);
	snprintf(work, sizeof(work), "%s/work", dir);
	snprintf(root, sizeof(root), "%s/rootfs", dir);
	snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s", img->dir, upper, work);
	/* The writable layer is its own tmpfs so removing the container frees
	 * it with one unmount, whatever is left open. */
	if (mkdir_p(dir, 0700) < 0 || mount("tmpfs", dir, "tmpfs", MS_NODEV, "mode=0700") < 0) {
		snprintf(err, errlen, "cannot create the writable layer: %s", strerror(errno));
		return errno;
	}
	/* nodev: a node the container makes with CAP_MKNOD, or one an image
	 * ships, cannot be opened (devices.c). */
	if (mkdir(upper, 0755) < 0 || mkdir(work, 0700) < 0 || mkdir(root, 0755) < 0 ||
	    mount("overlay", root, "overlay", MS_NODEV, opts) < 0) {
		int e = errno;

		snprintf(err, errlen, "cannot mount the root filesystem: %s", strerror(e));
		umount2(dir, MNT_DETACH);
		return e;
	}
	return 0;
}

void rootfs_destroy(const char *name)
{
	char dir[128], root[160];

	if (fmt(dir, sizeof(dir), CONTAINERS_DIR "/%s", name) < 0)
		return;
	snprintf(root, sizeof(root), "%s/rootfs", dir);
	umount2(root, MNT_DETACH);
	umount2(dir, MNT_DETACH);
	rmdir(dir);
}

/* ---- Child side ------------------------------------------------------------------- */

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return errno ? errno : EIO; } while (0)

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
#endif

#ifndef FSOPEN_CLOEXEC
#define FSOPEN_CLOEXEC 0x1
#define FSMOUNT_CLOEXEC 0x1
#define FSCONFIG_CMD_CREATE 6
#endif
#ifndef MOUNT_ATTR_NOEXEC
#define MOUNT_ATTR_NOEXEC 0x8
#endif

struct peapod_mount_attr {
	unsigned long long attr_set, attr_clr, propagation, userns_fd;
};

/* A read-only bind of SRC onto DST, both fds: the copy of SRC's tree is
 * made read-only (nosuid, nodev; what SRC's mount forbids besides, noexec,
 * comes with the copy) while it is attached nowhere, then attached on DST's
 * very fd. The bind and a remount by path after it (remount_ro) resolved the
 * path again: a sidecar sharing a volume could swap a directory for another
 * in between, and the volume stayed writable where the container saw it
 * (found in review, session 11). Only the top mount, as the remount did:
 * what is mounted under SRC keeps its own flags. */
static int bind_readonly(int src, int dst)
{
	struct peapod_mount_attr attr = { MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, 0, 0, 0 };
	int tree, rc, saved;

	tree = (int)syscall(SYS_open_tree, src, "",
			    OPEN_TREE_CLONE | O_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
	if (tree < 0)
		return -1;
	rc = (int)syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof(attr));
	if (rc == 0)
		rc = (int)syscall(SYS_move_mount, tree, "", dst, "",
				  MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
	saved = errno;
	close(tree); /* a tree attached nowhere goes with its last fd */
	errno = saved;
	return rc;
}

/* Where the first component of REL that does not exist in the root ends
 * (an index into REL), or 0 when REL exists or cannot be looked at: what
 * ensure_dir/ensure_file will make from there on. */
static size_t first_missing(int rootfd, const char *rel)
{
	char buf[4096];
	size_t i, len;
	int fd;

	if (fmt(buf, sizeof(buf), "%s", rel) < 0)
		return 0;
	len = strlen(buf);
	for (i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != 0)
			continue;
		buf[i] = 0;
		fd = open_in(rootfd, buf, O_PATH);
		if (i < len)
			buf[i] = '/';
		if (fd >= 0) {
			close(fd);
			continue;
		}
		return errno == ENOENT ? i : 0;
	}
	return 0;
}

/* Where the made part of a mount path starts: the base, the directory
 * the first missing component (ending at FROM, see first_missing) goes
 * in, opened before anything is made; and the index of that component's
 * first character. -1 when nothing was missing or the base cannot be
 * opened: nothing will be undone. */
static int open_made_base(int rootfd, const char *rel, size_t from, size_t *start)
{
	char buf[4096];
	char *slash;

	if (!from || fmt(buf, sizeof(buf), "%s", rel) < 0 || from > strlen(buf))
		return -1;
	buf[from] = 0;
	slash = strrchr(buf, '/');
	*start = slash ? (size_t)(slash - buf) + 1 : 0;
	if (slash)
		*slash = 0;
	return open_in(rootfd, slash ? buf : "", O_PATH | O_DIRECTORY);
}

#define UNDO_RESOLVE_NO_MAGICLINKS 0x02
#define UNDO_RESOLVE_NO_SYMLINKS 0x04
#define UNDO_RESOLVE_BENEATH 0x08

struct undo_open_how {
	unsigned long long flags;
	unsigned long long mode;
	unsigned long long resolve;
};

static void close_base(int base)
{
	if (base >= 0)
		close(base);
}

/* REL's directory beneath BASE, never through a symlink. */
static int open_made_dir(int base, const char *rel)
{
	struct undo_open_how how;

	memset(&how, 0, sizeof(how));
	how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
	how.resolve = UNDO_RESOLVE_BENEATH | UNDO_RESOLVE_NO_SYMLINKS | UNDO_RESOLVE_NO_MAGICLINKS;
	return (int)syscall(SYS_openat2, base, *rel ? rel : ".", &how, sizeof(how));
}

/* Removes what was made for a mount that did not happen (refused, or
 * failed): MADE (what first_missing found missing, from the base's
 * directory down, see open_made_base), its empty directories from the last
 * up, and its last name when it was made as an empty file. A directory that
 * is not empty (something else put there meanwhile) stays. Without this a
 * refused mount left its directories behind, in a volume other containers
 * share when the path went through one. Each is looked up from the base's
 * fd, taken before anything was made, and never through a symlink: a
 * sibling sharing the volume could otherwise swap a made directory for a
 * symlink to a directory elsewhere in this container's root, and have an
 * empty directory of it removed (found in review of 8b56b70). */
static void undo_created(int base, const char *made, int made_file)
{
	char buf[4096];
	char *slash;
	int parent;

	if (base < 0 || !*made || fmt(buf, sizeof(buf), "%s", made) < 0)
		return;
	for (;;) {
		struct stat st;
		const char *name;

		slash = strrchr(buf, '/');
		if (slash)
			*slash = 0;
		name = slash ? slash + 1 : buf;
		parent = open_made_dir(base, slash ? buf : "");
		if (parent >= 0) {
			if (!made_file)
				unlinkat(parent, name, AT_REMOVEDIR);
			else if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
				 S_ISREG(st.st_mode) && st.st_size == 0)
				unlinkat(parent, name, 0);
			close(parent);
		}
		made_file = 0;
		if (!slash)
			break;
	}
}

static int setup_volume(int rootfd, const struct volume_mount *m, char *err, size_t errlen)
{
	char vol[300], p[64], q[64];
	int volfd, src, dst, is_dir, rc, base;
	size_t made, start = 0;
	struct stat st;

	if (fmt(vol, sizeof(vol), VOLUMES_DIR "/%s", m->volume) < 0 ||
	    (volfd = open(vol, O_PATH | O_CLOEXEC)) < 0) /* a one-file hostPath is a file */
		FAIL("volume \"%s\" not found", m->volume);
	/* SUBPATH is resolved inside the volume, created when missing, as
	 * Kubernetes does. */
	if (!m->subpath) {
		src = volfd; /* the volume itself, which may be a file */
	} else {
		/* In a volume of files SUBPATH follows KEY -> ..data/KEY inside the
		 * volume to the file of the current revision, which the bind then
		 * holds: later revisions do not reach it, as in Kubernetes. What the
		 * volume does not have is not made there. */
		src = open_in(volfd, m->subpath, O_PATH);
		if (src < 0 && errno == ENOENT && !files_is_volume(m->volume))
			src = ensure_dir(volfd, m->subpath);
		close(volfd);
	}
	if (src < 0)
		FAIL("volume \"%s\": cannot open subpath \"%s\": %s", m->volume,
		     m->subpath ? m->subpath : "", strerror(errno));
	is_dir = fstat(src, &st) == 0 && S_ISDIR(st.st_mode);
	/* Checked on the very fd the mount goes on (mount_at's way, by hand):
	 * resolving the path twice let a sidecar sharing an emptyDir swap a
	 * directory for a symlink to /proc/sys/kernel in between (found in
	 * review, session 11: 5 of 3000 mounts landed there). */
	made = first_missing(rootfd, m->path + 1);
	base = open_made_base(rootfd, m->path + 1, made, &start);
	dst = is_dir ? ensure_dir(rootfd, m->path + 1) : ensure_file(rootfd, m->path + 1);
	if (dst < 0) {
		rc = errno;
		close(src);
		undo_created(base, m->path + 1 + start, 0);
		close_base(base);
		errno = rc;
		FAIL("cannot mount volume \"%s\" at \"%s\": %s", m->volume, m->path, strerror(errno));
	}
	if ((rc = masks_check_mount_target(rootfd, dst, m->path, err, errlen)) != 0) {
		close(dst);
		close(src);
		undo_created(base, m->path + 1 + start, !is_dir);
		close_base(base);
		return rc;
	}
	if (m->readonly)
		rc = bind_readonly(src, dst);
	else
		rc = mount(fdpath(src, p, sizeof(p)), fdpath(dst, q, sizeof(q)), NULL, MS_BIND | MS_REC, NULL);
	if (rc < 0) {
		rc = errno;
		close(dst);
		close(src);
		undo_created(base, m->path + 1 + start, !is_dir);
		close_base(base);
		errno = rc;
		FAIL("cannot mount volume \"%s\" at \"%s\"%s: %s", m->volume, m->path,
		     m->readonly ? " read-only" : "", strerror(errno));
	}
	close_base(base);
	close(dst);
	close(src);
	return 0;
}

int rootfs_enter(const void *arg, char *err, size_t errlen)
{
	const struct rootfs_spec *s = arg;
	static const char *const pod_files[] = { "hosts", "hostname", "resolv.conf" };
	char root[160];
	size_t i;
	int rootfd, rc;

	errno = 0;
	if (unshare(CLONE_NEWNS) < 0)
		FAIL("cannot create a mount namespace: %s", strerror(errno));
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		FAIL("cannot make mounts private: %s", strerror(errno));
	snprintf(root, sizeof(root), CONTAINERS_DIR "/%s/rootfs", s->name);
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		FAIL("cannot open the root filesystem: %s", strerror(errno));

	TRACE("child: mount namespace");
	if (!s->own_proc) {
		/* The pod's, masked once (pidns.c); the recursive bind brings
		 * the masks with their flags. */
		if (mount_at(rootfd, "proc", 0, PIDNS_PROC_DIR "/proc", NULL, MS_BIND | MS_REC,
			     NULL) < 0)
			FAIL("cannot bind the pod's /proc: %s", strerror(errno));
		if (mount_at(rootfd, "sys", 0, PIDNS_PROC_DIR "/sys", NULL, MS_BIND | MS_REC,
			     NULL) < 0)
			FAIL("cannot bind the pod's /sys: %s", strerror(errno));
	} else {
		/* Its /proc, and the masks over it and /sys, are the
		 * process's to mount (rootfs_own_proc): this runs in
		 * spawn.c's helper, outside the pod's PID namespace. */
		if (mount_at(rootfd, "sys", 0, "sysfs", "sysfs",
			     MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
			FAIL("cannot mount /sys: %s", strerror(errno));
	}
	TRACE("child: /proc, /sys, masks");
	if ((rc = devices_setup(rootfd, err, errlen)) != 0)
		return rc;
	TRACE("child: /dev");
	for (i = 0; i < ARRAY_LEN(pod_files); i++) {
		char src[128], rel[32];

		snprintf(src, sizeof(src), POD_DIR "/%s", pod_files[i]);
		snprintf(rel, sizeof(rel), "etc/%s", pod_files[i]);
		if (mount_at(rootfd, rel, 1, src, NULL, MS_BIND, NULL) < 0)
			FAIL("cannot bind /etc/%s: %s", pod_files[i], strerror(errno));
	}
	for (i = 0; i < s->n_mounts; i++) {
		if ((rc = setup_volume(rootfd, &s->mounts[i], err, errlen)) != 0)
			return rc;
	}

	/* readOnlyRootFilesystem: the root mount only, in this namespace;
	 * /dev, /proc, the /etc files and volumes are mounts of their own
	 * and keep their flags, as with runc. */
	if (s->readonly_root && remount_ro(rootfd, "", MS_NODEV) < 0)
		FAIL("cannot make the root filesystem read-only: %s", strerror(errno));
	TRACE("child: /etc files, volumes");
	/* pivot_root(".", "."): the old root ends up stacked under the new
	 * one and is detached right away. */
	if (fchdir(rootfd) < 0 || syscall(SYS_pivot_root, ".", ".") < 0)
		FAIL("pivot_root: %s", strerror(errno));
	if (umount2(".", MNT_DETACH) < 0)
		FAIL("cannot detach the old root: %s", strerror(errno));
	close(rootfd);
	if (chdir("/") < 0)
		FAIL("chdir /: %s", strerror(errno));
	TRACE("child: pivot_root");
	return 0;
}

/* A proc of the caller's PID namespace attached on DIR's very fd, with the
 * new mount API: the root has no /proc yet, so there is no
 * /proc/self/fd/N to mount onto (mount_at's way). */
static int mount_proc_on(int dir)
{
	int fs, mnt, rc = -1, saved;

	fs = (int)syscall(SYS_fsopen, "proc", FSOPEN_CLOEXEC);
	if (fs < 0)
		return -1;
	if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0 &&
	    (mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC,
				MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)) >= 0) {
		rc = (int)syscall(SYS_move_mount, mnt, "", dir, "",
				  MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
		saved = errno;
		close(mnt);
		errno = saved;
	}
	saved = errno;
	close(fs);
	errno = saved;
	return rc;
}

int rootfs_own_proc(const void *arg, char *err, size_t errlen)
{
	int rootfd, dir, rc;

	(void)arg;
	errno = 0;
	rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		FAIL("cannot open the root filesystem: %s", strerror(errno));
	dir = ensure_dir(rootfd, "proc");
	if (dir < 0 || mount_proc_on(dir) < 0) {
		rc = errno;
		if (dir >= 0)
			close(dir);
		close(rootfd);
		errno = rc;
		FAIL("cannot mount /proc: %s", strerror(errno));
	}
	close(dir);
	rc = masks_apply(rootfd, err, errlen);
	close(rootfd);
	return rc;
}

int ns_enter(const void *arg, char *err, size_t errlen)
{
	const struct ns_fds *ns = arg;

	errno = 0;
	if (setns(ns->mnt, CLONE_NEWNS) < 0)
		FAIL("cannot join the container's mount namespace: %s", strerror(errno));
	if (fchdir(ns->root) < 0 || chroot(".") < 0 || chdir("/") < 0)
		FAIL("cannot enter the container's root: %s", strerror(errno));
	return 0;
}
