/*
 * A container's /dev, and the rule that no other device node works.
 *
 * Docker and runc keep CAP_MKNOD in the default capability set (image
 * tools create device nodes) and stop a container from *using* a node it
 * made with the device cgroup: only the allow-list below may be opened.
 * With cgroup v2 that cgroup is a BPF program, which would need
 * CONFIG_BPF_SYSCALL and CONFIG_CGROUP_BPF in the guest kernel (the BPF
 * verifier and JIT: more kernel, more attack surface) and one program per
 * container. We get the same rule from mount flags instead:
 *
 *  - every filesystem a container can write to is mounted nodev: its root
 *    (the overlay, mounts.c), this /dev tmpfs, emptyDir and hostPath
 *    volumes, /dev/shm; /proc and /sys cannot hold new nodes;
 *  - the allowed nodes are bind mounts of the guest's devtmpfs nodes onto
 *    files in the nodev /dev, and a bind mount keeps the flags of its
 *    source mount, so they (and only they) open;
 *  - the container cannot mount or remount (no CAP_SYS_ADMIN, and the
 *    seccomp profile refuses mount(2)), so it cannot make a nodev mount
 *    that lets its nodes open.
 *
 * So `mknod /tmp/vda b 254 0` still succeeds, as under Docker, and opening
 * the node fails with EACCES.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "devices.h"
#include "rootpath.h"
#include "util.h"

/*
 * The devices a container may open: runc's default allow-list. /dev/ptmx
 * and /dev/pts/N come from the container's own devpts instance. runc's
 * /dev/console is the container's terminal when it has one; a main process
 * here never has a terminal (its output goes to the log port), and an exec
 * with TTY gets a /dev/pts/N as its stdio and controlling terminal.
 */
static const char *const allowed_devices[] = { "null", "zero", "full", "random", "urandom", "tty" };

static const char *const links[][2] = {
	{ "ptmx", "pts/ptmx" },          { "fd", "/proc/self/fd" },
	{ "stdin", "/proc/self/fd/0" },  { "stdout", "/proc/self/fd/1" },
	{ "stderr", "/proc/self/fd/2" },
};

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return errno ? errno : EIO; } while (0)

int devices_setup(int rootfd, char *err, size_t errlen)
{
	char rel[64];
	size_t i;
	int devfd;

	errno = 0;
	if (mount_at(rootfd, "dev", 0, "tmpfs", "tmpfs",
		     MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_STRICTATIME, "mode=755,size=65536k") < 0)
		FAIL("cannot mount /dev: %s", strerror(errno));
	for (i = 0; i < ARRAY_LEN(allowed_devices); i++) {
		char src[32];

		snprintf(rel, sizeof(rel), "dev/%s", allowed_devices[i]);
		snprintf(src, sizeof(src), "/dev/%s", allowed_devices[i]);
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
