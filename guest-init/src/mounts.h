/*
 * Filesystems of a container: the image device (erofs, mounted once per
 * image and shared), the writable layer (overlay on a per-container tmpfs),
 * and, in the container's own mount namespace, everything mounted into its
 * root before the process is switched into it.
 */
#ifndef PEAPOD_MOUNTS_H
#define PEAPOD_MOUNTS_H

#include <stddef.h>

#define IMAGES_DIR "/run/peapod/images"
#define CONTAINERS_DIR "/run/peapod/containers"

struct image;

/* Mounts an image (or takes another reference to it): the virtio-blk device
 * whose serial is `serial`, or else the erofs file `file` of the image share
 * through a loop device. NULL with *code/err on failure. */
struct image *image_get(const char *serial, const char *file, int *code, char *err, size_t errlen);
void image_put(struct image *img);

/* Where the image is mounted (read-only), for binding it elsewhere. */
const char *image_dir(const struct image *img);

/* Whether `s` is a device serial the host may name (1..PP_MAX_IMAGE_SERIAL of [A-Za-z0-9._-]). */
int image_serial_valid(const char *s);

/* The writable root of container `name` at CONTAINERS_DIR/<name>/rootfs. */
int rootfs_create(const char *name, const struct image *img, char *err, size_t errlen);
void rootfs_destroy(const char *name);

struct volume_mount {
	char *volume;  /* emptyDir name */
	char *path;    /* absolute, inside the container */
	char *subpath; /* relative to the volume, or NULL */
	int readonly;
};

struct rootfs_spec {
	const char *name;
	const struct volume_mount *mounts;
	size_t n_mounts;
	int readonly_root; /* readOnlyRootFilesystem */
	/* Mounts and masks a /proc and /sys of its own instead of binding
	 * the pod's (pidns.h): for a container holding CAP_SYS_ADMIN, which
	 * could remount the filesystems it shares with the others. */
	int own_proc;
};

/* Child side (called through proc_spec.enter): new mount namespace, the
 * container's mounts, pivot_root into it. 0, or an errno with err set. */
int rootfs_enter(const void *spec, char *err, size_t errlen);

/* In the process itself, after rootfs_enter, for own_proc: a proc of the
 * pod's PID namespace (a proc shows the namespace of whoever mounts it,
 * and rootfs_enter runs outside it) and the masks over it and /sys. */
int rootfs_own_proc(const void *spec, char *err, size_t errlen);

/* Child side for exec: join the mount namespace and root of `pid`.
 * `arg` points to a struct ns_fds opened by the parent. */
struct ns_fds {
	int mnt;
	int root;
};
int ns_enter(const void *arg, char *err, size_t errlen);

#endif
