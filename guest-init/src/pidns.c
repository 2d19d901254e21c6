/*
 * The pod's PID namespace. See pidns.h.
 *
 * guest-init is PID 1 of the VM; containers must not see it, signal it
 * (SIGTERM to it shuts the pod down) or reach its filesystem through
 * /proc/1/root, and they need not see the kernel's threads. So the pod has
 * a PID namespace of its own, as a Kubernetes pod with
 * shareProcessNamespace has: its PID 1 is a pause process, which reaps
 * the orphans of every container and does nothing else, and all container
 * processes and execs are started in it (a helper of guest-init's enters
 * the namespace and clones each with CLONE_PARENT, so guest-init stays
 * their parent and still reaps them and learns their exit status: see
 * spawn.c's helper_main).
 *
 * The kernel shields a namespace's PID 1 from signals sent inside the
 * namespace unless it handles them, and the pause process handles none,
 * so `kill -9 1` in a container does nothing. The pause process is
 * guest-init's binary executed afresh (argv[0] "pause"), so it holds none
 * of guest-init's memory. It is not dumpable, and it drops every
 * capability and chroots into an empty directory: a container process
 * cannot open its /proc/1/root, /proc/1/mem or /proc/1/fd (that takes
 * CAP_SYS_PTRACE once a process is not dumpable), and there would be
 * nothing behind them anyway.
 *
 * If the pause process ends (killed from outside), the kernel kills the
 * whole namespace; the next spawn makes a new one.
 *
 * The pod's /proc: a proc filesystem shows the PID namespace of whoever
 * mounted it, so the pause process, PID 1 of the namespace, mounts one at
 * PIDNS_PROC_DIR/proc (and a read-only sysfs at PIDNS_PROC_DIR/sys) in
 * guest-init's mount namespace before it drops its capabilities, and
 * masks them there (masks.c); each container then gets the two with one
 * recursive bind each (mounts.c) instead of mounting and masking its own,
 * ~15 mounts that were a sixth of a container's start under TCG. A bind
 * copies the mounts under it with their flags, so the masks and the
 * read-only binds come along; each container's copies are its own (its
 * mount namespace is private), so what one container could unmount,
 * the others still have. One that holds CAP_SYS_ADMIN could change the
 * filesystems themselves (remount the shared proc or a mask's tmpfs), so
 * it gets its own as before (mounts.h: own_proc).
 *
 * The namespace, its pause process and /proc outlive a pod when nothing
 * but the pause process is left in it once the pod's containers are gone
 * (pidns_pod_ended): the next pod of the VM, a replace's new containers,
 * then takes them as they are instead of paying for a new pause process's
 * exec and ~20 mounts before its first container. Anything left (a process
 * that escaped its container's cgroup, a zombie with threads still
 * running), or a container that held CAP_SYS_ADMIN in the pod, ends the
 * namespace as before, and the kernel kills whatever is in it; a plain
 * zombie not reaped yet does not. What the
 * next pod can tell of the one before is the PIDs it used (ns_last_pid);
 * a VM only passes from one pod to the next of the same owner (a replace,
 * a hand-over: a pool VM never runs a second pod).
 *
 * A namespace is made ahead when there is none (pidns_prepare, once
 * guest-init has sent its answers: at boot, so a template's and a pool
 * VM's first pod find it ready), and the first spawn waits for the pause
 * process's report.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "masks.h"
#include "pidns.h"
#include "util.h"

#define PAUSE_ROOT "/run/peapod/pause" /* empty: the pause process's root */

static pid_t pause_pid = -1;
static int pod_ns = -1; /* the pod's namespace, to setns() into */
static int own_ns = -1; /* guest-init's, to return to */
static int ready_fd = -1; /* the pause process's report, until read */
/* Whether a container holding CAP_SYS_ADMIN ran in the namespace: then it
 * is not kept for the next pod (pidns_pod_ended). */
static int admin_ran;
static int prepare_failed; /* pidns_prepare gave up until the next pod */

/* What the pause process reports once the pod's /proc is ready, or why not. */
struct pause_report {
	int code;
	char msg[200];
};

#define PAUSE_REPORT_FD 3
#define READY_TIMEOUT_MS 10000 /* it only mounts; TCG at load 16 takes ~0.1 s */

static void unmount_pod_proc(void)
{
	/* MNT_DETACH takes the masks under each with it. */
	umount2(PIDNS_PROC_DIR "/proc", MNT_DETACH);
	umount2(PIDNS_PROC_DIR "/sys", MNT_DETACH);
}

static int start_pause(int *code, char *err, size_t errlen)
{
	char *const argv[] = { PIDNS_PAUSE_NAME, NULL };
	char *const envp[] = { NULL };
	char path[64];
	int report[2];
	pid_t pid;

	if ((own_ns < 0 && (own_ns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC)) < 0) ||
	    mkdir_p(PAUSE_ROOT, 0555) < 0 || mkdir_p(PIDNS_PROC_DIR "/proc", 0555) < 0 ||
	    mkdir_p(PIDNS_PROC_DIR "/sys", 0555) < 0) {
		*code = errno;
		snprintf(err, errlen, "cannot create the pod's PID namespace: %s", strerror(errno));
		return -1;
	}
	unmount_pod_proc(); /* an earlier pause's, should it still be there */
	if (pipe2(report, O_CLOEXEC) < 0) {
		*code = errno;
		snprintf(err, errlen, "cannot create the pod's PID namespace: pipe: %s",
			 strerror(errno));
		return -1;
	}
	if (unshare(CLONE_NEWPID) < 0) {
		*code = errno;
		snprintf(err, errlen, "cannot create the pod's PID namespace: %s", strerror(errno));
		close(report[0]);
		close(report[1]);
		return -1;
	}
	pid = vfork(); /* PID 1 of the new namespace; it only execs */
	if (pid == 0) {
		/* The child's descriptor table is its own: only its copy of
		 * the report's write end, as PAUSE_REPORT_FD, survives the
		 * exec (not in argv: a container reads /proc/1/cmdline). */
		if (report[1] == PAUSE_REPORT_FD)
			fcntl(PAUSE_REPORT_FD, F_SETFD, 0);
		else if (dup2(report[1], PAUSE_REPORT_FD) < 0)
			_exit(127);
		execve("/proc/self/exe", argv, envp);
		_exit(127);
	}
	*code = errno;
	close(report[1]);
	/* unshare() set where our next child goes; set it back. */
	if (setns(own_ns, CLONE_NEWPID) < 0)
		fatal("cannot return to guest-init's PID namespace: %s", strerror(errno));
	if (pid < 0) {
		close(report[0]);
		snprintf(err, errlen, "cannot start the pod's pause process: %s", strerror(*code));
		return -1;
	}
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)pid);
	pod_ns = open(path, O_RDONLY | O_CLOEXEC);
	if (pod_ns < 0) {
		*code = errno;
		snprintf(err, errlen, "cannot open the pod's PID namespace: %s", strerror(errno));
		close(report[0]);
		kill(pid, SIGKILL);
		return -1;
	}
	pause_pid = pid;
	ready_fd = report[0];
	return 0;
}

/* Waits for the pause process's report (once). 0 when the pod's /proc is
 * ready; -1 with *code and err set, *ended set when the pause process
 * ended without a word (killed: a new one may do). */
static int await_pause(int *code, int *ended, char *err, size_t errlen)
{
	struct pollfd pfd = { ready_fd, POLLIN, 0 };
	struct pause_report rep;
	ssize_t n;
	int rc;

	*ended = 0;
	if (ready_fd < 0)
		return 0;
	do
		rc = poll(&pfd, 1, READY_TIMEOUT_MS);
	while (rc < 0 && errno == EINTR);
	if (rc == 0) {
		*code = ETIMEDOUT;
		snprintf(err, errlen, "the pod's pause process did not get ready in %d ms",
			 READY_TIMEOUT_MS);
		return -1;
	}
	memset(&rep, 0, sizeof(rep));
	do
		n = read(ready_fd, &rep, sizeof(rep));
	while (n < 0 && errno == EINTR);
	close(ready_fd);
	ready_fd = -1;
	if (n != (ssize_t)sizeof(rep)) {
		*ended = 1;
		*code = ESRCH;
		snprintf(err, errlen, "the pod's pause process ended before its /proc was ready");
		return -1;
	}
	if (rep.code != 0) {
		*code = rep.code;
		rep.msg[sizeof(rep.msg) - 1] = 0;
		snprintf(err, errlen, "the pod's /proc: %s", rep.msg);
		return -1;
	}
	return 0;
}

static void forget_pause(void)
{
	admin_ran = 0;
	if (pod_ns >= 0)
		close(pod_ns);
	if (ready_fd >= 0)
		close(ready_fd);
	pod_ns = -1;
	ready_fd = -1;
	pause_pid = -1;
	unmount_pod_proc();
}

/*
 * Why the process is forked and not a child sharing guest-init's memory
 * (clone with CLONE_VM | CLONE_VFORK, as posix_spawn does; session 10
 * tried it): the child runs container-controlled steps before its execve
 * (it opens the container's files, runs in the pod's PID namespace where
 * a container can SIGSTOP or SIGKILL it), and while it shares the memory
 * guest-init must sleep until it has exec'd. A container that stopped it,
 * or made a file it opens block, suspended PID 1, and with it every
 * request to the pod, for good (the 30 s start timeout could never run);
 * one that killed it mid-malloc left guest-init's heap half updated. A
 * forked child can be timed out and killed, and what it does to its
 * memory is its own. What sharing saved was within the noise: 0-10 % of
 * QEMU's CPU time for a pod's start and teardown under TCG
 * (bench/RESULTS.md, session 10). process.c's helper forks it (see there).
 */
int pidns_child_ns(int *code, char *err, size_t errlen)
{
	int attempt;

	for (attempt = 0; attempt < 2; attempt++) {
		int ended;

		if (pause_pid < 0 && start_pause(code, err, errlen) < 0)
			return -1;
		if (await_pause(code, &ended, err, errlen) == 0)
			return pod_ns;
		kill(pause_pid, SIGKILL); /* reaped by proc_reap_all() */
		forget_pause();
		if (!ended)
			break;
	}
	return -1;
}

int pidns_pause_gone(void)
{
	/* ENOMEM from a fork in the namespace: its PID 1 is gone (maybe not
	 * reaped yet; reaped, proc_reap_all forgot it already). */
	if (pause_pid > 0 && waitpid(pause_pid, NULL, WNOHANG) != pause_pid)
		return 0;
	say("the pod's pause process had ended; starting a new PID namespace");
	forget_pause();
	return 1;
}

void pidns_end(void)
{
	if (pause_pid > 0)
		kill(pause_pid, SIGKILL); /* reaped by proc_reap_all() */
	forget_pause();
	prepare_failed = 0;
}

/* Whether the namespace holds its pause process and nothing else, as the
 * pod's /proc lists it: a process a container moved out of its cgroup
 * (one holding CAP_SYS_ADMIN can) survived the removal of its container,
 * and a zombie the pause process has not reaped yet is listed too. A
 * process can only appear in the namespace by a fork of one in it or by
 * guest-init's spawn, so a listing of PID 1 alone stays true. */
/* num_threads of a /proc/PID/stat line, from its state field on (field 3;
 * num_threads is field 20), or -1. A process whose main thread exited
 * shows as a zombie while its other threads run on. */
static long stat_threads(const char *state)
{
	const char *p = state;
	int field;

	for (field = 3; field < 20; field++) {
		p = strchr(p, ' ');
		if (!p)
			return -1;
		p++;
	}
	return strtol(p, NULL, 10);
}

static int only_pause_left(void)
{
	DIR *d = opendir(PIDNS_PROC_DIR "/proc");
	struct dirent *e;
	int pause_seen = 0, others = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		char path[300], line[512], *p;
		ssize_t n;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		if (strcmp(e->d_name, "1") == 0) {
			pause_seen = 1;
			continue;
		}
		/* A zombie (a container's orphan the pause process has not
		 * reaped yet) runs nothing; anything else is a process. */
		if (fmt(path, sizeof(path), PIDNS_PROC_DIR "/proc/%s/stat", e->d_name) < 0) {
			others = 1;
			continue;
		}
		n = read_file(path, line, sizeof(line));
		if (n < 0 && errno == ENOENT)
			continue; /* reaped meanwhile */
		if (n <= 0 || !(p = strrchr(line, ')')) || p[1] != ' ' ||
		    (p[2] != 'Z' && p[2] != 'X') || stat_threads(p + 2) != 1)
			others = 1;
	}
	closedir(d);
	return pause_seen && !others;
}

void pidns_pod_ended(void)
{
	/* With its report unread, nothing was ever started in it. A container
	 * holding CAP_SYS_ADMIN may have left what the listing cannot show:
	 * the shared proc reconfigured (fsconfig on a sibling's /proc through
	 * /proc/PID/root reaches the filesystem every container binds), or a
	 * process that moved out of its cgroup and hides among the zombies. */
	if (pause_pid > 0 && !admin_ran && (ready_fd >= 0 || only_pause_left()))
		return; /* kept for the next pod: see the top of this file */
	pidns_end();
}

void pidns_admin_started(void)
{
	admin_ran = 1;
}

void pidns_prepare(void)
{
	char err[200];
	int code;

	if (pause_pid >= 0 || prepare_failed)
		return;
	if (start_pause(&code, err, sizeof(err)) < 0) {
		/* Not again until the next pod: the spawn that needs it will
		 * try once more and report why it cannot. */
		prepare_failed = 1;
		say("%s", err);
	}
}

void pidns_reaped(pid_t pid)
{
	if (pid != pause_pid)
		return;
	say("the pod's pause process ended; its PID namespace is gone");
	forget_pause();
}

static void drop_everything(void)
{
	struct {
		uint32_t version;
		int pid;
	} hdr = { 0x20080522 /* _LINUX_CAPABILITY_VERSION_3 */, 0 };
	uint32_t none[6] = { 0 };
	int cap;

	for (cap = 0; cap < 64; cap++)
		prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
	syscall(SYS_capset, &hdr, none);
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

/* In the pause process: the pod's /proc and /sys, masked. 0, or an errno
 * with err set. */
static int mount_pod_proc(char *err, size_t errlen)
{
	int rootfd, rc;

	if (mount("proc", PIDNS_PROC_DIR "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) < 0) {
		rc = errno;
		snprintf(err, errlen, "cannot mount /proc: %s", strerror(rc));
		return rc;
	}
	if (mount("sysfs", PIDNS_PROC_DIR "/sys", "sysfs",
		  MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		rc = errno;
		snprintf(err, errlen, "cannot mount /sys: %s", strerror(rc));
		return rc;
	}
	rootfd = open(PIDNS_PROC_DIR, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		rc = errno;
		snprintf(err, errlen, "cannot open " PIDNS_PROC_DIR ": %s", strerror(rc));
		return rc;
	}
	rc = masks_apply(rootfd, err, errlen);
	close(rootfd);
	return rc;
}

void pidns_pause_main(void)
{
	struct pause_report rep;
	struct stat st;
	sigset_t chld;
	int fd = PAUSE_REPORT_FD;

	/* Not dumpable first: execve() made us dumpable again. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	prctl(PR_SET_NAME, PIDNS_PAUSE_NAME, 0, 0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	memset(&rep, 0, sizeof(rep));
	if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode))
		_exit(125); /* not started by pidns.c */
	rep.code = mount_pod_proc(rep.msg, sizeof(rep.msg));
	if (rep.code == 0 && (chdir(PAUSE_ROOT) < 0 || chroot(".") < 0 || chdir("/") < 0)) {
		rep.code = errno;
		snprintf(rep.msg, sizeof(rep.msg), "cannot enter " PAUSE_ROOT ": %s", strerror(rep.code));
	}
	if (rep.code != 0)
		unmount_pod_proc();
	/*
	 * Dropped before the report, not after: the report lets guest-init
	 * start the pod's processes in the namespace, and one granted
	 * CAP_SYS_PTRACE may attach to the namespace's PID 1 as to any
	 * process of it (being not dumpable does not stop that capability).
	 * Reported first, this process still held every capability in
	 * guest-init's mount namespace while the first container started
	 * (found in session 12's review of the spawn; microseconds against
	 * a container's start of tens of ms, so not shown by a test).
	 */
	drop_everything();
	if (write(fd, &rep, sizeof(rep)) != (ssize_t)sizeof(rep) || rep.code != 0)
		_exit(126);
	close(fd);
	for (fd = 0; fd < 3; fd++)
		close(fd);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_SETMASK, &chld, NULL);
	for (;;) {
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		sigwaitinfo(&chld, NULL);
	}
}
