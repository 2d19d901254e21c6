/*
 * Image, writable layer and container mounts. See mounts.h.
 *
 * How a container gets its root: guest-init moves itself at boot from the
 * initramfs onto a tmpfs (main.c), because pivot_root(2) refuses to pivot
 * away from rootfs. That makes a real pivot_root possible here, which
 * (unlike MS_MOVE + chroot) leaves no path back to init's filesystem in the
 * container's mount namespace: the old root is detached entirely.
 *
 * Mount targets inside the container are created and opened with
 * openat2(RESOLVE_IN_ROOT), so a symlink in the image (say /etc/hosts ->
 * /../../../run) is resolved as the container would see it and can never
 * point a mount outside the root. The mounts then go onto the opened fd via
 * /proc/self/fd/N, so nothing can swap the path in between.
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

#include "mounts.h"
#include "trace.h"
#include "pod.h"
#include "proto.h"
#include "share.h"
#include "util.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_IN_ROOT 0x10

struct open_how {
	unsigned long long flags;
	unsigned long long mode;
	unsigned long long resolve;
};

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
	if (mkdir(upper, 0755) < 0 || mkdir(work, 0700) < 0 || mkdir(root, 0755) < 0 ||
	    mount("overlay", root, "overlay", 0, opts) < 0) {
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

/* ---- Paths inside a root --------------------------------------------------------- */

static int open_in(int rootfd, const char *rel, int flags)
{
	struct open_how how;

	memset(&how, 0, sizeof(how));
	how.flags = (unsigned long long)(flags | O_CLOEXEC);
	how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
	if (!*rel)
		rel = ".";
	return (int)syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
}

/* Opens directory `rel` (relative to rootfd, resolved in it), creating the
 * missing parts. Returns an O_PATH fd. */
static int ensure_dir(int rootfd, const char *rel)
{
	char buf[4096];
	size_t i, len;
	int parent, fd;

	fd = open_in(rootfd, rel, O_PATH | O_DIRECTORY);
	if (fd >= 0 || errno != ENOENT)
		return fd;
	if (fmt(buf, sizeof(buf), "%s", rel) < 0)
		return -1;
	len = strlen(buf);
	parent = open_in(rootfd, "", O_PATH | O_DIRECTORY);
	for (i = 0; parent >= 0 && i <= len; i++) {
		char *name;

		if (buf[i] != '/' && buf[i] != 0)
			continue;
		buf[i] = 0;
		fd = open_in(rootfd, buf, O_PATH | O_DIRECTORY);
		if (fd < 0 && errno == ENOENT) {
			name = strrchr(buf, '/');
			name = name ? name + 1 : buf;
			if (mkdirat(parent, name, 0755) < 0 && errno != EEXIST) {
				close(parent);
				return -1;
			}
			fd = open_in(rootfd, buf, O_PATH | O_DIRECTORY);
		}
		close(parent);
		parent = fd;
		if (i < len)
			buf[i] = '/';
	}
	return parent;
}

/* Like ensure_dir for a file (a bind mount target for a file). */
static int ensure_file(int rootfd, const char *rel)
{
	char dir[4096];
	const char *name;
	int parent, fd;

	fd = open_in(rootfd, rel, O_PATH);
	if (fd >= 0 || errno != ENOENT)
		return fd;
	if (fmt(dir, sizeof(dir), "%s", rel) < 0)
		return -1;
	name = strrchr(rel, '/');
	if (name) {
		dir[name - rel] = 0;
		name++;
	} else {
		dir[0] = 0;
		name = rel;
	}
	parent = ensure_dir(rootfd, dir);
	if (parent < 0)
		return -1;
	fd = openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 && errno == EEXIST) {
		/* A dangling symlink (resolv.conf -> a systemd runtime file,
		 * say): the file we bind over it replaces it, as in Docker. */
		unlinkat(parent, name, 0);
		fd = openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
	}
	close(parent);
	if (fd < 0)
		return -1;
	close(fd);
	return open_in(rootfd, rel, O_PATH);
}

static const char *fdpath(int fd, char *buf, size_t cap)
{
	snprintf(buf, cap, "/proc/self/fd/%d", fd);
	return buf;
}

/* ---- Child side ------------------------------------------------------------------- */

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return errno ? errno : EIO; } while (0)

static int mount_at(int rootfd, const char *rel, int is_file, const char *src, const char *type,
		    unsigned long flags, const char *data)
{
	char p[64];
	int fd = is_file ? ensure_file(rootfd, rel) : ensure_dir(rootfd, rel);
	int rc;

	if (fd < 0)
		return -1;
	rc = mount(src, fdpath(fd, p, sizeof(p)), type, flags, data);
	close(fd);
	return rc;
}

/* Remounts the bind mount now at `rel` read-only. */
static int remount_ro(int rootfd, const char *rel, unsigned long extra)
{
	char p[64];
	int fd = open_in(rootfd, rel, O_PATH);
	int rc;

	if (fd < 0)
		return -1;
	rc = mount(NULL, fdpath(fd, p, sizeof(p)), NULL,
		   MS_REMOUNT | MS_BIND | MS_RDONLY | extra, NULL);
	close(fd);
	return rc;
}

static int setup_dev(int rootfd, char *err, size_t errlen)
{
	static const char *const nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };
	static const char *const links[][2] = {
		{ "ptmx", "pts/ptmx" },          { "fd", "/proc/self/fd" },
		{ "stdin", "/proc/self/fd/0" },  { "stdout", "/proc/self/fd/1" },
		{ "stderr", "/proc/self/fd/2" },
	};
	char rel[64];
	size_t i;
	int devfd;

	if (mount_at(rootfd, "dev", 0, "tmpfs", "tmpfs", MS_NOSUID | MS_STRICTATIME,
		     "mode=755,size=65536k") < 0)
		FAIL("cannot mount /dev: %s", strerror(errno));
	for (i = 0; i < ARRAY_LEN(nodes); i++) {
		char src[32];

		snprintf(rel, sizeof(rel), "dev/%s", nodes[i]);
		snprintf(src, sizeof(src), "/dev/%s", nodes[i]);
		if (mount_at(rootfd, rel, 1, src, NULL, MS_BIND, NULL) < 0)
			FAIL("cannot bind %s: %s", src, strerror(errno));
	}
	if (mount_at(rootfd, "dev/pts", 0, "devpts", "devpts", MS_NOSUID | MS_NOEXEC,
		     "newinstance,ptmxmode=0666,mode=0620") < 0)
		FAIL("cannot mount /dev/pts: %s", strerror(errno));
	if (mount_at(rootfd, "dev/shm", 0, "/dev/shm", NULL, MS_BIND, NULL) < 0)
		FAIL("cannot bind /dev/shm: %s", strerror(errno));
	devfd = open_in(rootfd, "dev", O_PATH | O_DIRECTORY);
	if (devfd < 0)
		FAIL("cannot open /dev: %s", strerror(errno));
	for (i = 0; i < ARRAY_LEN(links); i++) {
		if (symlinkat(links[i][1], devfd, links[i][0]) < 0 && errno != EEXIST) {
			close(devfd);
			FAIL("cannot create /dev/%s: %s", links[i][0], strerror(errno));
		}
	}
	close(devfd);
	return 0;
}

static int setup_volume(int rootfd, const struct volume_mount *m, char *err, size_t errlen)
{
	char vol[300], p[64];
	int volfd, src, is_dir, rc;
	struct stat st;

	if (fmt(vol, sizeof(vol), VOLUMES_DIR "/%s", m->volume) < 0 ||
	    (volfd = open(vol, O_PATH | O_CLOEXEC)) < 0) /* a one-file hostPath is a file */
		FAIL("volume \"%s\" not found", m->volume);
	/* SUBPATH is resolved inside the volume, created when missing, as
	 * Kubernetes does. */
	if (!m->subpath) {
		src = volfd; /* the volume itself, which may be a file */
	} else {
		src = open_in(volfd, m->subpath, O_PATH);
		if (src < 0 && errno == ENOENT)
			src = ensure_dir(volfd, m->subpath);
		close(volfd);
	}
	if (src < 0)
		FAIL("volume \"%s\": cannot open subpath \"%s\": %s", m->volume,
		     m->subpath ? m->subpath : "", strerror(errno));
	is_dir = fstat(src, &st) == 0 && S_ISDIR(st.st_mode);
	rc = mount_at(rootfd, m->path + 1, !is_dir, fdpath(src, p, sizeof(p)), NULL,
		      MS_BIND | MS_REC, NULL);
	close(src);
	if (rc < 0)
		FAIL("cannot mount volume \"%s\" at \"%s\": %s", m->volume, m->path, strerror(errno));
	if (m->readonly && remount_ro(rootfd, m->path + 1, MS_NOSUID | MS_NODEV) < 0)
		FAIL("cannot make volume \"%s\" read-only at \"%s\": %s", m->volume, m->path,
		     strerror(errno));
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
	if (mount_at(rootfd, "proc", 0, "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		FAIL("cannot mount /proc: %s", strerror(errno));
	if (mount_at(rootfd, "sys", 0, "sysfs", "sysfs",
		     MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		FAIL("cannot mount /sys: %s", strerror(errno));
	TRACE("child: /proc, /sys");
	if ((rc = setup_dev(rootfd, err, errlen)) != 0)
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
