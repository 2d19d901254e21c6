/*
 * The pod's PID namespace. See pidns.h.
 *
 * guest-init is PID 1 of the VM; containers must not see it, signal it
 * (SIGTERM to it shuts the pod down) or reach its filesystem through
 * /proc/1/root, and they need not see the kernel's threads. So the pod has
 * a PID namespace of its own, as a Kubernetes pod with
 * shareProcessNamespace has: its PID 1 is a pause process, which reaps
 * the orphans of every container and does nothing else, and all container
 * processes and execs are started in it (setns on the namespace before
 * fork(), so guest-init stays their parent and still reaps them and learns
 * their exit status).
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
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pidns.h"
#include "util.h"

#define PAUSE_ROOT "/run/peapod/pause" /* empty: the pause process's root */

static pid_t pause_pid = -1;
static int pod_ns = -1; /* the pod's namespace, to setns() into */
static int own_ns = -1; /* guest-init's, to return to */

static int start_pause(int *code, char *err, size_t errlen)
{
	char *const argv[] = { PIDNS_PAUSE_NAME, NULL };
	char *const envp[] = { NULL };
	char path[64];
	pid_t pid;

	if ((own_ns < 0 && (own_ns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC)) < 0) ||
	    mkdir_p(PAUSE_ROOT, 0555) < 0 || unshare(CLONE_NEWPID) < 0) {
		*code = errno;
		snprintf(err, errlen, "cannot create the pod's PID namespace: %s", strerror(errno));
		return -1;
	}
	pid = vfork(); /* PID 1 of the new namespace; it only execs */
	if (pid == 0) {
		execve("/proc/self/exe", argv, envp);
		_exit(127);
	}
	*code = errno;
	/* unshare() set where our next child goes; set it back. */
	if (setns(own_ns, CLONE_NEWPID) < 0)
		fatal("cannot return to guest-init's PID namespace: %s", strerror(errno));
	if (pid < 0) {
		snprintf(err, errlen, "cannot start the pod's pause process: %s", strerror(*code));
		return -1;
	}
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)pid);
	pod_ns = open(path, O_RDONLY | O_CLOEXEC);
	if (pod_ns < 0) {
		*code = errno;
		snprintf(err, errlen, "cannot open the pod's PID namespace: %s", strerror(errno));
		kill(pid, SIGKILL);
		return -1;
	}
	pause_pid = pid;
	return 0;
}

static void forget_pause(void)
{
	if (pod_ns >= 0)
		close(pod_ns);
	pod_ns = -1;
	pause_pid = -1;
}

/*
 * Why fork() and not a child sharing guest-init's memory (clone with
 * CLONE_VM | CLONE_VFORK, as posix_spawn does; session 10 tried it): the
 * child runs container-controlled steps before its execve (it opens the
 * container's files, runs in the pod's PID namespace where a container
 * can SIGSTOP or SIGKILL it), and while it shares the memory guest-init
 * must sleep until it has exec'd. A container that stopped it, or made a
 * file it opens block, suspended PID 1, and with it every request to the
 * pod, for good (the 30 s start timeout could never run); one that killed
 * it mid-malloc left guest-init's heap half updated. A forked child can
 * be timed out and killed, and what it does to its memory is its own. What
 * sharing saved was within the noise: 0-10 % of QEMU's CPU time for a
 * pod's start and teardown under TCG (bench/RESULTS.md, session 10).
 */
pid_t pidns_spawn(int (*fn)(void *), void *arg, int *code, char *err, size_t errlen)
{
	int attempt, e;
	pid_t pid;

	for (attempt = 0; attempt < 2; attempt++) {
		if (pause_pid < 0 && start_pause(code, err, errlen) < 0)
			return -1;
		if (setns(pod_ns, CLONE_NEWPID) < 0) {
			*code = errno;
			snprintf(err, errlen, "cannot enter the pod's PID namespace: %s",
				 strerror(errno));
			return -1;
		}
		/* In the pod's namespace, and so are the child's children. */
		pid = fork();
		if (pid == 0)
			_exit(fn(arg)); /* fn execs, or reports why not and returns */
		e = errno;
		if (setns(own_ns, CLONE_NEWPID) < 0)
			fatal("cannot return to guest-init's PID namespace: %s", strerror(errno));
		if (pid > 0)
			return pid;
		*code = e;
		/* ENOMEM: the namespace's PID 1 is gone (not reaped yet). */
		if (*code != ENOMEM || waitpid(pause_pid, NULL, WNOHANG) != pause_pid)
			break;
		say("the pod's pause process had ended; starting a new PID namespace");
		forget_pause();
	}
	snprintf(err, errlen, "cannot start the process: %s", strerror(*code));
	return -1;
}

void pidns_end(void)
{
	if (pause_pid > 0)
		kill(pause_pid, SIGKILL); /* reaped by proc_reap_all() */
	forget_pause();
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

void pidns_pause_main(void)
{
	sigset_t chld;
	int fd;

	/* Not dumpable first: execve() made us dumpable again. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	prctl(PR_SET_NAME, PIDNS_PAUSE_NAME, 0, 0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (chdir(PAUSE_ROOT) < 0 || chroot(".") < 0 || chdir("/") < 0)
		_exit(126); /* guest-init sees the namespace fail, not a leak */
	drop_everything();
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
