/*
 * The warm-up of a VM restored from a template. See warmup.h.
 *
 * Under TCG the first time the guest kernel runs a code path QEMU
 * translates it, and the translations live only in that QEMU process: an
 * incoming migration starts with an empty code buffer (`info jit`: one TB
 * flush, whatever the template had run). A restored VM's first container
 * start translates the start's paths (~18 MB of host code with the
 * restore); its first replace then translated the teardown's and a second
 * start's (killing a process in a PID namespace, the end of a mount
 * namespace with its /proc, /sys and /dev, unmounting an overlay and its
 * tmpfs, removing a cgroup, a new PID namespace): 1.4 MB more, then 0.09
 * and 0.01 MB for the next replaces. A replace in such a VM took 64 ms where
 * one in a pool VM, whose keeper had run a container start and a
 * DESTROY_POD once, took 39 ms (bench/RESULTS.md, sessions 9 and 10).
 *
 * So once RESTORED is answered, guest-init starts a process that takes
 * those paths on nothing of the pod's: a throwaway tree (tmpfs, overlay,
 * proc, sysfs, a /dev tmpfs with a devpts and bind mounts, pivot_root) in a
 * mount and PID namespace and a cgroup of its own, a process killed in it,
 * then all of it torn down. It runs as SCHED_IDLE, so it has the vCPU only
 * while nothing else in the VM wants it: in the gaps of the pod's start
 * while the host works between requests, and after it. It is guest-init's
 * binary executed afresh (argv[0] "warmup") and holds none of guest-init's
 * memory; nothing it mounts is seen by guest-init or a container (its own
 * mount namespace); it touches no file of the pod's.
 *
 * Its mount namespace is a copy of guest-init's, and a copy holds every
 * mount in it for as long as it lives, out of guest-init's reach: so the
 * copy is made before any mount of the pod's exists (start()). Made by the
 * warm-up itself once it ran, after it went SCHED_IDLE, it came when the
 * vCPU was first idle, which could be after START_POD and ADD_CONTAINER
 * had mounted volumes (Secrets' files among them), images and a container's
 * root: the warm-up then held them as long as it ran, seconds while a
 * container kept the vCPU busy (found in review of cf5510a).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pod.h"
#include "trace.h"
#include "util.h"
#include "warmup.h"

#define WARMUP_DIR "/run/peapod/warmup"
/* Beside the pod's cgroup, not in it: moving a task into a cgroup charges its
 * pids without a check, so in the pod's the warm-up's two tasks took from a
 * tight pod pids.max (for longer than its ~200 ms when containers keep the
 * CPU busy: it is SCHED_IDLE). The root's subtree_control gives it the
 * controllers the pod's cgroup has, so the join exercises the same paths. */
#define WARMUP_CGROUP "/sys/fs/cgroup/.peapod-warmup"

static int done; /* once a boot */
static struct timer start_timer;

static void start(void *arg)
{
	char *const argv[] = { WARMUP_NAME, NULL };
	char *const envp[] = { trace_on ? "peapod_trace=1" : NULL, NULL };
	pid_t pid;

	(void)arg;
	/* START_POD came in the same read as RESTORED, ahead of this timer:
	 * its mounts exist already. */
	if (pod_started()) {
		say("warm-up skipped: a pod started before it could begin");
		return;
	}
	pid = vfork(); /* reaped by proc_reap_all() as a child it does not track */
	if (pid == 0) {
		/* While guest-init waits for the execve: before the next request. */
		if (unshare(CLONE_NEWNS) < 0)
			_exit(127);
		execve("/proc/self/exe", argv, envp);
		_exit(127);
	}
}

void warmup_after_restore(void)
{
	if (done)
		return;
	done = 1;
	/* From the loop, after the reply to RESTORED has gone. */
	timer_init(&start_timer, start, NULL);
	timer_arm(&start_timer, 0);
}

/* PID 1 of the throwaway PID namespace: its root, then a child to kill;
 * says so on `ready`. */
static void inner(const char *root, int ready)
{
	char path[128];
	pid_t child;
	int fd;

	/* Ends with warmup_main, however that ends: nothing pauses forever holding
	 * a mount namespace and a cgroup. */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		_exit(1);
	snprintf(path, sizeof(path), "%s/proc", root);
	mkdir(path, 0555);
	mount("proc", path, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	snprintf(path, sizeof(path), "%s/sys", root);
	mkdir(path, 0555);
	mount("sysfs", path, "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	snprintf(path, sizeof(path), "%s/proc/kcore", root);
	mount("/dev/null", path, NULL, MS_BIND, NULL);
	snprintf(path, sizeof(path), "%s/dev", root);
	mkdir(path, 0755);
	mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k");
	snprintf(path, sizeof(path), "%s/dev/null", root);
	if ((fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0666)) >= 0)
		close(fd);
	mount("/dev/null", path, NULL, MS_BIND, NULL);
	snprintf(path, sizeof(path), "%s/dev/pts", root);
	mkdir(path, 0755);
	mount("devpts", path, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620");
	if (chdir(root) == 0 && syscall(SYS_pivot_root, ".", ".") == 0)
		umount2(".", MNT_DETACH);
	child = fork();
	if (child == 0) {
		for (;;)
			pause();
	}
	if (write(ready, "1", 1) < 0)
		_exit(1);
	for (;;)
		pause(); /* killed, and the child with it, by warmup_main() */
}

void warmup_main(void)
{
	struct sched_param idle = { 0 };
	const char *lower = WARMUP_DIR "/lower", *upper = WARMUP_DIR "/upper";
	const char *work = WARMUP_DIR "/work", *root = WARMUP_DIR "/rootfs";
	const char *opts = "lowerdir=" WARMUP_DIR "/lower,upperdir=" WARMUP_DIR
			   "/upper,workdir=" WARMUP_DIR "/work";
	pid_t pid;
	int cg, ready[2], i;
	char byte;

	trace_init();
	TRACE("warm-up begins");
	prctl(PR_SET_NAME, WARMUP_NAME, 0, 0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	sched_setscheduler(0, SCHED_IDLE, &idle);
	/* In the mount namespace start() made. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 || mkdir_p(WARMUP_DIR, 0700) < 0 ||
	    mount("tmpfs", WARMUP_DIR, "tmpfs", MS_NODEV, "mode=0700") < 0)
		_exit(1);
	if (mkdir(lower, 0755) < 0 || mkdir(upper, 0755) < 0 || mkdir(work, 0700) < 0 ||
	    mkdir(root, 0755) < 0 || mount("overlay", root, "overlay", MS_NODEV, opts) < 0)
		_exit(1);
	cg = mkdir(WARMUP_CGROUP, 0755) == 0 || errno == EEXIST;
	if (pipe2(ready, O_CLOEXEC) < 0 || unshare(CLONE_NEWPID) < 0)
		_exit(1);
	pid = fork();
	if (pid == 0) {
		close(ready[0]);
		if (cg)
			write_str(WARMUP_CGROUP "/cgroup.procs", "0");
		inner(root, ready[1]);
	}
	close(ready[1]);
	if (pid > 0) {
		/* EOF too if it failed on the way: the teardown runs anyway. */
		while (read(ready[0], &byte, 1) < 0 && errno == EINTR)
			;
		kill(pid, SIGKILL); /* and with it the child, as a DESTROY_POD's end of the namespace */
		waitpid(pid, NULL, 0);
	}
	umount2(root, MNT_DETACH);
	umount2(WARMUP_DIR, MNT_DETACH);
	rmdir(WARMUP_DIR);
	/* An emptied cgroup can be busy for a moment after its last task. */
	for (i = 0; cg && i < 50 && rmdir(WARMUP_CGROUP) < 0 && errno == EBUSY; i++)
		usleep(10000);
	TRACE("warm-up done");
	_exit(0);
}
