/*
 * 9p shares and loop devices. See share.h.
 *
 * The image share is mounted on first use rather than at boot: a pod that
 * only uses images it booted with (virtio-blk) never pays for the 9p
 * session. cache=none keeps no page cache of the share in the guest: the
 * loop device above it caches the blocks it reads, and a file the host adds
 * later is seen at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <unistd.h>

#include "proto.h"
#include "request.h"
#include "share.h"
#include "util.h"

/* <linux/loop.h>, which musl does not ship. */
#define LOOP_CTL_GET_FREE 0x4C82
#define LOOP_CONFIGURE 0x4C0A
#define LO_FLAGS_READ_ONLY 1
#define LO_FLAGS_AUTOCLEAR 4
#define LO_FLAGS_DIRECT_IO 16
#define IMAGE_SHARE_READAHEAD (2UL << 20)
#define LO_NAME_SIZE 64
#define LO_KEY_SIZE 32

struct loop_info64 {
	unsigned long long lo_device, lo_inode, lo_rdevice, lo_offset, lo_sizelimit;
	unsigned int lo_number, lo_encrypt_type, lo_encrypt_key_size, lo_flags;
	unsigned char lo_file_name[LO_NAME_SIZE];
	unsigned char lo_crypt_name[LO_NAME_SIZE];
	unsigned char lo_encrypt_key[LO_KEY_SIZE];
	unsigned long long lo_init[2];
};

struct loop_config {
	unsigned int fd, block_size;
	struct loop_info64 info;
	unsigned long long reserved[8];
};

static int image_share_mounted;

int share_mount(const char *tag, const char *dir, int readonly, char *err, size_t errlen)
{
	unsigned long flags = MS_NODEV | MS_NOSUID | (readonly ? MS_RDONLY : 0);

	/* msize: 9p moves at most this much per request; the 8 KiB default
	 * makes a 1 MiB read 128 round trips through QEMU. */
	if (mkdir_p(dir, 0755) < 0 ||
	    mount(tag, dir, "9p", flags, "trans=virtio,version=9p2000.L,cache=none,msize=262144") < 0) {
		int e = errno;

		snprintf(err, errlen, "cannot mount host share \"%s\": %s", tag, strerror(e));
		rmdir(dir);
		return e ? e : EIO;
	}
	return 0;
}

int image_share_open(const char *name, int *code, char *err, size_t errlen)
{
	char path[300];
	int fd;

	if (!pp_valid_file_name(name, PP_MAX_IMAGE_FILE)) {
		*code = EINVAL;
		snprintf(err, errlen, "invalid image file name \"%s\" (one file name of [A-Za-z0-9._-])",
			 name);
		return -1;
	}
	if (!image_share_mounted) {
		*code = share_mount(PP_IMAGE_SHARE_TAG, IMAGE_SHARE_DIR, 1, err, errlen);
		if (*code)
			return -1;
		image_share_mounted = 1;
	}
	if (fmt(path, sizeof(path), IMAGE_SHARE_DIR "/%s", name) < 0 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		*code = errno ? errno : ENAMETOOLONG;
		snprintf(err, errlen, "image file \"%s\" not in the image share: %s", name,
			 strerror(*code));
		return -1;
	}
	return fd;
}

int loop_attach(int fd, const char *label, char *dev, size_t cap, int *code, char *err,
		size_t errlen)
{
	struct loop_config cfg;
	int ctl, n, lfd;

	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0) {
		*code = errno;
		snprintf(err, errlen, "cannot open /dev/loop-control: %s", strerror(errno));
		return -1;
	}
	/* One event loop thread: nobody takes the free device between
	 * GET_FREE and CONFIGURE. */
	n = ioctl(ctl, LOOP_CTL_GET_FREE);
	*code = errno;
	close(ctl);
	if (n < 0) {
		snprintf(err, errlen, "no free loop device: %s", strerror(*code));
		return -1;
	}
	fmt(dev, cap, "/dev/loop%d", n);
	lfd = open(dev, O_RDONLY | O_CLOEXEC);
	if (lfd < 0) {
		*code = errno;
		snprintf(err, errlen, "cannot open %s: %s", dev, strerror(errno));
		return -1;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.fd = (unsigned int)fd;
	/* Direct I/O: the loop device hands the backing file each request
	 * whole (9p reads of up to msize). Without it the loop reads page by
	 * page, and over the image share (cache=none) every 4 KiB page of a
	 * starting binary was a round trip through QEMU: 425 reads for busybox
	 * httpd's start, 30-120 with it and the readahead below. A file system
	 * that cannot do direct I/O gets the buffered loop. */
	cfg.info.lo_flags = LO_FLAGS_READ_ONLY | LO_FLAGS_AUTOCLEAR | LO_FLAGS_DIRECT_IO;
	snprintf((char *)cfg.info.lo_file_name, LO_NAME_SIZE, "%s", label);
	if (ioctl(lfd, LOOP_CONFIGURE, &cfg) < 0) {
		*code = errno;
		snprintf(err, errlen, "cannot bind %s to \"%s\": %s", dev, label, strerror(errno));
		close(lfd);
		return -1;
	}
	/* Readahead of 2 MiB instead of the block layer's 128 KiB, set before
	 * the mount (a file takes its window when opened): over 9p each request
	 * costs the guest a loop worker's wake-up, a virtio round trip and an
	 * interrupt, whatever its size, so a starting binary is cheaper in a
	 * few large reads than in the dozens its page faults made (bench/RESULTS.md,
	 * session 11). What is read and not used is clean page cache. Not fatal:
	 * the default window works, only slower. */
	if (ioctl(lfd, BLKRASET, (unsigned long)(IMAGE_SHARE_READAHEAD / 512)) < 0)
		say("cannot set the readahead of %s: %s", dev, strerror(errno));
	return lfd;
}
