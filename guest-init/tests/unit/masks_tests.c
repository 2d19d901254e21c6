/*
 * masks_check_mount_target against real kernel filesystems: the attack of a
 * symlink planted in a shared volume that leads a later volume mount onto a
 * cgroup2 directory (or mqueue, or a cgroup2 file), resolved as setup_volume
 * resolves it (open_in, RESOLVE_IN_ROOT). The VM's containers see no
 * cgroupfs today, so check-vm cannot reach one; this test mounts them
 * itself in a private mount namespace of its own (it runs as root, as the
 * tests do, and fails rather than skips when it cannot). On masks.c before
 * the f_type table, which counted proc, sysfs and devpts only, every
 * cgroup2 and mqueue case here was allowed.
 *
 * Then masks_apply on a proc and sysfs of the test's own: each read-only
 * path is read-only, nosuid, nodev and noexec on its mount, and so is a
 * filesystem mounted under one (a tmpfs on /proc/sys/kernel here). The old
 * bind + remount by path made the top mount read-only only: the tmpfs
 * stayed writable (this part failed on it).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "check.h"
#include "masks.h"
#include "rootpath.h"

static char root[] = "/tmp/peapod-masks-XXXXXX";

static void mk(const char *rel)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (mkdir(p, 0755) < 0 && errno != EEXIST) {
		perror(p);
		exit(1);
	}
}

static void mnt(const char *type, const char *rel)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (mount(type, p, type, MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		fprintf(stderr, "cannot mount %s on %s (the test needs root): %s\n", type, p,
			strerror(errno));
		exit(1);
	}
}

static void link_to(const char *target, const char *rel)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (symlink(target, p) < 0) {
		perror(p);
		exit(1);
	}
}

/* The check's verdict on `path` (absolute, in the root) and its message. */
static int verdict(int rootfd, const char *path, char *err, size_t errlen)
{
	int fd = open_in(rootfd, path + 1, O_PATH);
	int rc;

	err[0] = 0;
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	rc = masks_check_mount_target(rootfd, fd, path, err, errlen);
	close(fd);
	return rc;
}

int main(void)
{
	char err[512];
	int rootfd;

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		fprintf(stderr, "cannot make a private mount namespace (the test needs root): %s\n",
			strerror(errno));
		return 1;
	}
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return 1;
	}
	/* The root is a tmpfs, as a container's volumes are. */
	mnt("tmpfs", "");
	mk("sys");
	mk("sys/fs");
	mk("sys/fs/cgroup");
	mk("dev");
	mk("dev/mqueue");
	mk("data");
	mk("data/plain");
	mnt("cgroup2", "sys/fs/cgroup");
	mnt("mqueue", "dev/mqueue");
	mnt("proc", "data/plain"); /* the old rule's case */
	/* What a container planted in the volume it shares. */
	link_to("/sys/fs/cgroup", "data/cg");
	link_to("/sys/fs/cgroup/cgroup.procs", "data/procs");
	link_to("/dev/mqueue", "data/mq");
	link_to("/data/plain", "data/proc");

	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		perror(root);
		return 1;
	}
	EXPECT_INT(verdict(rootfd, "/data/cg", err, sizeof(err)), EPERM);
	EXPECT_STR(err, "mount path \"/data/cg\" leads to the kernel's cgroup2 filesystem, "
			"where no volume may be mounted");
	EXPECT_INT(verdict(rootfd, "/data/procs", err, sizeof(err)), EPERM);
	EXPECT(strstr(err, "cgroup2") != NULL);
	EXPECT_INT(verdict(rootfd, "/data/mq", err, sizeof(err)), EPERM);
	EXPECT(strstr(err, "the kernel's mqueue filesystem") != NULL);
	EXPECT_INT(verdict(rootfd, "/sys/fs/cgroup", err, sizeof(err)), EPERM);
	/* The rule as it was: proc, with its message. */
	EXPECT_INT(verdict(rootfd, "/data/proc", err, sizeof(err)), EPERM);
	EXPECT_STR(err, "mount path \"/data/proc\" leads to /proc, /sys or /dev/pts, "
			"where no volume may be mounted");
	/* A directory of the volume stays allowed. */
	mk("data/dir");
	EXPECT_INT(verdict(rootfd, "/data/dir", err, sizeof(err)), 0);

	close(rootfd);

	/* masks_apply, as the pause process runs it on the pod's /proc and /sys. */
	{
		/* Not /proc/sysrq-trigger: not every host kernel has it (check-vm
		 * looks at it in the VM). */
		static const char *const ro[] = { "proc/bus", "proc/fs", "proc/irq", "proc/sys",
						  "proc/sys/kernel" };
		const unsigned long want = ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOEXEC;
		char p[256];
		size_t i;
		int fd, rc;

		mk("pod");
		mk("pod/proc");
		mk("pod/sys");
		mnt("proc", "pod/proc");
		mnt("sysfs", "pod/sys");
		mnt("tmpfs", "pod/proc/sys/kernel");
		rootfd = open(strcat(strcpy(p, root), "/pod"), O_PATH | O_DIRECTORY | O_CLOEXEC);
		err[0] = 0;
		rc = masks_apply(rootfd, err, sizeof(err));
		if (rc)
			fprintf(stderr, "masks_apply: %s\n", err);
		EXPECT_INT(rc, 0);
		for (i = 0; i < sizeof(ro) / sizeof(ro[0]); i++) {
			struct statvfs sv;

			snprintf(p, sizeof(p), "%s/pod/%s", root, ro[i]);
			if (statvfs(p, &sv) < 0) {
				perror(p);
				EXPECT(0);
				continue;
			}
			if ((sv.f_flag & want) != want)
				fprintf(stderr, "%s: flags %#lx\n", ro[i], sv.f_flag);
			EXPECT((sv.f_flag & want) == want);
		}
		snprintf(p, sizeof(p), "%s/pod/proc/sys/kernel/planted", root);
		fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		EXPECT(fd < 0 && errno == EROFS);
		if (fd >= 0)
			close(fd);
		close(rootfd);
	}
	umount2(root, MNT_DETACH); /* everything under it goes with it */
	rmdir(root);
	printf("masks_tests: %d checks, %d failures\n", checks, failures);
	return failures != 0;
}
