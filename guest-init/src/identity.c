/*
 * Boot id and re-identification after a template restore. The kernel's own
 * boot id (/proc/sys/kernel/random/boot_id) is fixed on first read, and a
 * restored VM inherits it from the template, so Peapod's boot id is ours: the
 * kernel's at a cold boot, a fresh random UUID after RESTORED.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "identity.h"
#include "proto.h"
#include "util.h"

/* <linux/random.h>, which musl-gcc does not ship. */
struct rand_pool_info {
	int entropy_count; /* bits credited */
	int buf_size;      /* bytes */
};
#define RNDADDENTROPY _IOW('R', 0x03, int[2])
#define RNDRESEEDCRNG _IO('R', 0x07)

static char boot_id[64] = "unknown";

static void read_id(const char *path)
{
	ssize_t n = read_file(path, boot_id, sizeof(boot_id));

	while (n > 0 && boot_id[n - 1] == '\n')
		boot_id[--n] = 0;
	if (n <= 0)
		snprintf(boot_id, sizeof(boot_id), "unknown");
}

void identity_init(void)
{
	read_id("/proc/sys/kernel/random/boot_id");
}

const char *identity_boot_id(void)
{
	return boot_id;
}

static int reseed(const uint8_t *entropy, size_t len)
{
	struct {
		struct rand_pool_info info;
		uint8_t buf[PP_MAX_ENTROPY];
	} pool;
	int fd, rc = 0;

	if (len > PP_MAX_ENTROPY)
		len = PP_MAX_ENTROPY;
	pool.info.entropy_count = (int)(len * 8);
	pool.info.buf_size = (int)len;
	memcpy(pool.buf, entropy, len);
	fd = open("/dev/urandom", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* RNDADDENTROPY mixes and credits the bytes; RNDRESEEDCRNG makes the
	 * CRNG (and through its generation count every per-CPU CRNG) take a new
	 * key from the pool now rather than at its next scheduled reseed. */
	if (ioctl(fd, RNDADDENTROPY, &pool) < 0 || ioctl(fd, RNDRESEEDCRNG) < 0)
		rc = -errno;
	explicit_bzero(&pool, sizeof(pool));
	close(fd);
	return rc;
}

int identity_renew(const uint8_t *entropy, size_t len, uint64_t time_ns, const char **why)
{
	struct timespec ts = { .tv_sec = (time_t)(time_ns / 1000000000u),
			       .tv_nsec = (long)(time_ns % 1000000000u) };
	int rc;

	if ((rc = reseed(entropy, len)) < 0) {
		*why = "reseeding the kernel RNG";
		return rc;
	}
	if (clock_settime(CLOCK_REALTIME, &ts) < 0) {
		*why = "setting the clock";
		return -errno;
	}
	read_id("/proc/sys/kernel/random/uuid");
	if (strcmp(boot_id, "unknown") == 0) {
		*why = "reading a new boot id from /proc/sys/kernel/random/uuid";
		return -EIO;
	}
	return 0;
}
