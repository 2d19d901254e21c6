/*
 * Host directories shared over virtio-9p, and loop devices over files in
 * them: the image share (erofs files a running VM can be given without a
 * new block device) and hostPath volumes. See proto.h for the tags.
 */
#ifndef PEAPOD_SHARE_H
#define PEAPOD_SHARE_H

#include <stddef.h>

#define IMAGE_SHARE_DIR "/run/peapod/shares/images"

/* Mounts the 9p share `tag` at `dir` (created), read-only if asked.
 * 0, or an errno with err set. */
int share_mount(const char *tag, const char *dir, int readonly, char *err, size_t errlen);

/* Opens image file `name` of the image share read-only, mounting the share
 * the first time. `name` must be one file name (pp_valid_file_name). A file
 * descriptor, or -1 with *code and err set. */
int image_share_open(const char *name, int *code, char *err, size_t errlen);

/* Binds a free loop device read-only to `fd` (which the caller still
 * closes) and writes its path to `dev`. Returns the open loop device, or -1
 * with *code and err set. The device detaches itself when its last user goes
 * (LO_FLAGS_AUTOCLEAR), so the caller mounts it first and then closes the
 * returned fd: unmounting the filesystem then frees the device. */
int loop_attach(int fd, const char *label, char *dev, size_t cap, int *code, char *err,
		size_t errlen);

#endif
