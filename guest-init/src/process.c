/*
 * Spawning (parent side; the child side is spawn.c), stdio and reaping of
 * the processes guest-init starts.
 *
 * Spawn reports failure synchronously, the way runc does: the child holds
 * the write end of a CLOEXEC pipe; a successful execve() closes it (the
 * parent reads EOF), anything failing before that writes an errno and a
 * message into it. So ADD_CONTAINER and EXEC can answer ERROR with the real
 * reason ("executable ... not found in PATH") instead of a bare exit 127.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "attach.h"
#include "container.h"
#include "events.h"
#include "log.h"
#include "loop.h"
#include "pidns.h"
#include "process.h"
#include "rootpath.h"
#include "spawn.h"
#include "trace.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER 0x5441
#endif

#define STDIN_MAX (1u << 20)

static struct proc_output output;

void proc_set_output(const struct proc_output *out)
{
	output = *out;
}

/* Output is dropped until main.c gives a sink (never, outside tests). */
static void stream_out(uint32_t stream, const char *id, const void *data, size_t len)
{
	if (output.stream)
		output.stream(stream == PP_STREAM_STDOUT ? PP_MSG_STDOUT : PP_MSG_STDERR, id, data, len);
}
/* Below the host's 30 s wait for a reply (PodVm.REQUEST_TIMEOUT), so the
 * host hears why rather than nothing. */
#define SPAWN_TIMEOUT_MS 25000
#define EXEC_DRAIN_MS 1000

static struct proc *procs;

/* ---- Parent side ------------------------------------------------------------ */

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int open_pty(pid_t in_pid, int *master, int *slave, uint16_t rows, uint16_t cols)
{
	char path[64];
	int unlock = 0, root;
	struct winsize ws = { rows, cols, 0, 0 };

	/* The container has its own devpts instance; open its ptmx in the
	 * container's root so the pty is /dev/pts/N inside it. Resolved in
	 * that root (rootpath.c): the container may make its /dev/ptmx any
	 * symlink, and through /proc/PID/root/dev/ptmx an absolute one led
	 * guest-init into its own root (/dev/ptmx there gave the exec a pty
	 * of the guest's devpts; any other path was opened read-write). */
	snprintf(path, sizeof(path), "/proc/%d/root", (int)in_pid);
	root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return -1;
	*master = open_in(root, "dev/ptmx", O_RDWR | O_NOCTTY | O_NONBLOCK);
	close(root);
	if (*master < 0)
		return -1; /* non-blocking: proc_spawn makes it so anyway */
	if (ioctl(*master, TIOCSPTLCK, &unlock) < 0)
		return -1;
	*slave = ioctl(*master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*slave < 0)
		return -1;
	if (rows && cols)
		ioctl(*master, TIOCSWINSZ, &ws);
	return 0;
}

/* The pty master a main process's child made in its own devpts and sent
 * over `sock` (SCM_RIGHTS) before it exec'd; -1 if none came. */
static int receive_master(int sock)
{
	char byte, ctrl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &byte, 1 };
	struct msghdr mh;
	struct cmsghdr *cm;
	int fd = -1;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctrl;
	mh.msg_controllen = sizeof(ctrl);
	if (recvmsg(sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) <= 0)
		return -1;
	cm = CMSG_FIRSTHDR(&mh);
	if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
	    cm->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

static int is_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

enum traced { TRACED_EXECED, TRACED_ENDED, TRACED_TIMED_OUT, TRACED_FROZEN };

static int past(const struct timespec *end)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > end->tv_sec || (now.tv_sec == end->tv_sec && now.tv_nsec >= end->tv_nsec);
}

/*
 * Kills a child guest-init may not trace and reaps it if it can within a
 * moment; else leaves the zombie to proc_reap_all (the caller raises
 * SIGCHLD). Never a blocking waitpid(): a child traced by someone else (a
 * container granted SYS_PTRACE attached to an exec'd process; before
 * session 12, to a child between fork() and guest-init's PTRACE_SEIZE)
 * can be reaped only once its tracer lets it go, and PID 1 waiting for
 * that waited for as long as the container liked (found in review,
 * session 11).
 */
static void kill_and_leave(pid_t pid)
{
	struct timespec end, nap = { 0, 1000000L };

	kill(pid, SIGKILL);
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_nsec += 50000000L;
	if (end.tv_nsec >= 1000000000L) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000L;
	}
	while (waitpid(pid, NULL, WNOHANG | __WALL) == 0 && !past(&end))
		nanosleep(&nap, NULL);
}

/* Sleeps until a SIGCHLD (a tracee's stops and its end send one) or
 * `end`; -1 once `end` is past. The signal is taken from main.c's
 * signalfd: the caller re-raises it for the processes that ended. */
static int wait_chld(const struct timespec *end)
{
	struct timespec now, wait;
	sigset_t chld;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec > end->tv_sec || (now.tv_sec == end->tv_sec && now.tv_nsec >= end->tv_nsec))
		return -1;
	wait.tv_sec = end->tv_sec - now.tv_sec;
	wait.tv_nsec = end->tv_nsec - now.tv_nsec;
	if (wait.tv_nsec < 0) {
		wait.tv_sec--;
		wait.tv_nsec += 1000000000L;
	}
	if (wait.tv_sec > 0) { /* a bound on a missed wake-up, not a tick */
		wait.tv_sec = 0;
		wait.tv_nsec = 100000000L;
	}
	sigtimedwait(&chld, NULL, &wait);
	return 0;
}

/* A signal-delivery stop or a group stop of a tracee: what to pass on. */
static int passed_signal(int st)
{
	int sig = WSTOPSIG(st);

	if (st >> 16 == PTRACE_EVENT_STOP || is_stop_signal(sig))
		return 0;
	return sig;
}

/*
 * Kills whatever guest-init traces besides `helper`: a process the helper
 * cloned whose pid guest-init did not learn (PTRACE_GETEVENTMSG failed, or
 * the wait timed out with the clone made). It is guest-init's tracee and
 * child, stopped, and would stay so, untracked (found in review, session
 * 12). guest-init traces only during a spawn, one at a time, so its
 * tracees now are the helper and that process.
 */
static void kill_stray_tracees(pid_t helper)
{
	char path[64], buf[1024];
	struct dirent *e;
	const char *t;
	DIR *d = opendir("/proc");

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		long pid = strtol(e->d_name, NULL, 10);

		if (pid <= 1 || pid == helper ||
		    fmt(path, sizeof(path), "/proc/%ld/status", pid) < 0 ||
		    read_file(path, buf, sizeof(buf)) < 0 || !(t = strstr(buf, "\nTracerPid:")) ||
		    strtol(t + 11, NULL, 10) != (long)getpid())
			continue;
		say("killing process %ld: cloned for a spawn that failed", pid);
		kill_and_leave((pid_t)pid);
	}
	closedir(d);
}

/*
 * Follows the helper (spawn.c's helper_main) to its clone of the process,
 * then lets it go (it exits; proc_reap_all reaps it). *pid is the process,
 * guest-init's tracee since its birth. Returns 0, else an errno: the
 * helper's exit status (setns() or clone() failed) or ETIMEDOUT.
 */
static int trace_helper(pid_t helper, const struct timespec *end, pid_t *pid)
{
	unsigned long msg;
	int st, ev;
	pid_t w;

	for (;;) {
		while ((w = waitpid(helper, &st, WNOHANG | __WALL)) == helper) {
			if (WIFEXITED(st))
				return WEXITSTATUS(st) ? WEXITSTATUS(st) : ECHILD;
			if (WIFSIGNALED(st)) {
				kill_stray_tracees(helper); /* killed after its clone? */
				return ECHILD;
			}
			if (!WIFSTOPPED(st))
				continue;
			ev = st >> 16;
			if (ev == PTRACE_EVENT_FORK || ev == PTRACE_EVENT_VFORK || ev == PTRACE_EVENT_CLONE) {
				if (ptrace(PTRACE_GETEVENTMSG, helper, 0, &msg) < 0) {
					kill(helper, SIGKILL);
					waitpid(helper, NULL, __WALL);
					kill_stray_tracees(helper);
					return ECHILD;
				}
				*pid = (pid_t)msg;
				ptrace(PTRACE_DETACH, helper, 0, 0);
				return 0;
			}
			ptrace(PTRACE_CONT, helper, 0, passed_signal(st));
		}
		if (w < 0 && errno == ECHILD)
			return ECHILD;
		if (wait_chld(end) < 0) {
			/* It is in guest-init's PID namespace, traced by
			 * guest-init: no one else can hold it. */
			kill(helper, SIGKILL);
			waitpid(helper, NULL, __WALL);
			kill_stray_tracees(helper); /* had it cloned? */
			return ETIMEDOUT;
		}

	}
}

/*
 * Follows the process, guest-init's tracee since its birth (helper_main),
 * to its execve (then lets it go) or its end (*status). From its birth to
 * execve() it runs in the pod's PID namespace, where a container's root
 * may signal every process but the namespace's PID 1 (the pause process,
 * which the kernel shields): one that stops every process of its pod
 * (kill -STOP -1 in a loop) stopped the child too, and guest-init, which
 * waits here, kept PID 1 and every request to the pod waiting until the
 * start timeout, and for good in a waitpid() on a child stopped after its
 * failure report (found in review, session 10). Traced, the child's
 * signals come here first: stop signals are dropped, any other is passed
 * on (a SIGTERM ends the child as it would have). The program it runs is
 * the container's own once exec'd, stops and all. No one else can trace
 * it meanwhile, so the waits here end. After `end`, or once its cgroup
 * (`events`: its cgroup.events) is frozen, the child is killed and reaped.
 */
/*
 * Whether the container's cgroup is frozen (cgroup.events says "frozen 1",
 * its own cgroup.freeze or an ancestor's): a container holding
 * CAP_SYS_ADMIN can mount the cgroup filesystem and freeze its cgroup,
 * and the child, which joined it first thing, then never reached its
 * execve while guest-init waited, PID 1 and every request with it, for
 * the 25 s of the start timeout (found in session 11; spawning is
 * synchronous).
 */
static int cgroup_frozen(int events)
{
	char buf[256];
	ssize_t n;

	if (events < 0 || (n = pread(events, buf, sizeof(buf) - 1, 0)) <= 0)
		return 0;
	buf[n] = 0;
	return strstr(buf, "frozen 1") != NULL;
}

static enum traced trace_until_exec(pid_t pid, const struct timespec *end, int events, int *status)
{
	int st;
	pid_t w = 0;

	for (;;) {
		/* The clock too, inside: a dense stream of signals to the child
		 * kept this loop going past the timeout (found in review). */
		while (!past(end) && (w = waitpid(pid, &st, WNOHANG | __WALL)) == pid) {
			if (WIFEXITED(st) || WIFSIGNALED(st)) {
				*status = st;
				return TRACED_ENDED;
			}
			if (!WIFSTOPPED(st))
				continue;
			if (st >> 16 == PTRACE_EVENT_EXEC) {
				TRACE("parent: exec stop");
				ptrace(PTRACE_DETACH, pid, 0, 0);
				return TRACED_EXECED;
			}
			/* Its first stop (attached at birth) takes the helper's
			 * options: only its exec is of interest, and a fork of
			 * its own (none is made) must not be traced. */
			if (st >> 16 == PTRACE_EVENT_STOP)
				ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL);
			ptrace(PTRACE_CONT, pid, 0, passed_signal(st));
		}
		if (w < 0 && errno == ECHILD) { /* not ours to wait for: cannot be */
			*status = 0;
			return TRACED_ENDED;
		}
		if (wait_chld(end) < 0) {
			kill(pid, SIGKILL); /* ends a tracee in any stop */
			waitpid(pid, status, __WALL);
			return TRACED_TIMED_OUT;
		}
		/* Looked at after each wake (at most 100 ms apart: wait_chld),
		 * so such a freeze costs the spawn that much, not 25 s. */
		if (cgroup_frozen(events)) {
			kill(pid, SIGKILL); /* a fatal signal ends a frozen task too */
			waitpid(pid, status, __WALL);
			return TRACED_FROZEN;
		}
	}
}

/* The process's start: the helper forked, traced, and its clone of the
 * process followed. The process's pid, or -1 with *code and err set. */
static pid_t start_traced(struct child_args *child, const struct timespec *end, int *code,
			  char *err, size_t errlen)
{
	int attempt, rc = 0;
	pid_t helper, pid = -1;

	for (attempt = 0; attempt < 2; attempt++) {
		if ((child->pod_ns = pidns_child_ns(code, err, errlen)) < 0)
			return -1;
		if (pipe2(child->go, O_CLOEXEC) < 0) {
			*code = errno;
			snprintf(err, errlen, "cannot start the process: %s", strerror(errno));
			return -1;
		}
		helper = fork();
		if (helper == 0)
			helper_main(child);
		rc = errno;
#ifdef PEAPOD_TEST_HOOKS
		if (helper > 0 && trace_spawn_window_ms > 0) /* check-vm: see trace.h */
			usleep((useconds_t)trace_spawn_window_ms * 1000);
#endif
		if (helper > 0 &&
		    ptrace(PTRACE_SEIZE, helper, 0,
			   PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |
				   PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL) < 0) {
			rc = errno;
			kill(helper, SIGKILL); /* ours, in guest-init's PID namespace */
			waitpid(helper, NULL, 0);
			helper = -1;
		}
		close_fd(&child->go[0]);
		close_fd(&child->go[1]); /* the helper goes on */
		if (helper < 0) {
			*code = rc;
			snprintf(err, errlen, "cannot start the process: %s", strerror(rc));
			return -1;
		}
		TRACE("parent: helper started");
		rc = trace_helper(helper, end, &pid);
		if (rc == 0)
			return pid;
		if (rc == SPAWN_REPORTED)
			return -2; /* why is on the report pipe */
		/* ENOMEM: the namespace's PID 1 is gone (not reaped yet). */
		if (rc != ENOMEM || !pidns_pause_gone())
			break;
	}
	*code = rc;
	snprintf(err, errlen, "cannot start the process: %s%s", strerror(rc),
		 rc == EPERM || rc == ENOSYS ? " (the seccomp profile must allow clone)" : "");
	return -1;
}

struct proc *proc_spawn(const struct proc_spec *s, int *code, char *err, size_t errlen)
{
	int rep[2] = { -1, -1 }, in[2] = { -1, -1 }, out[2] = { -1, -1 }, errp[2] = { -1, -1 };
	int console[2] = { -1, -1 };
	int master = -1, slave = -1, cg = -1, events = -1, stdio[3], status = 0;
	struct child_report report;
	struct child_args child;
	struct timespec end;
	enum traced traced;
	struct proc *p = NULL;
	char path[160];
	pid_t pid;
	ssize_t n;

	*code = 0;
	if (!s->argv || !s->argv[0] || !*s->argv[0]) {
		*code = EINVAL;
		snprintf(err, errlen, "no command given (ARGV is empty)");
		return NULL;
	}
	if (fmt(path, sizeof(path), "/sys/fs/cgroup/peapod/%s/cgroup.procs", s->container) < 0 ||
	    (cg = open(path, O_WRONLY | O_CLOEXEC)) < 0) {
		*code = errno;
		snprintf(err, errlen, "cannot open the container's cgroup: %s", strerror(errno));
		goto out;
	}
	if (pipe2(rep, O_CLOEXEC) < 0)
		goto sys_fail;
	if (s->tty && s->kind == PROC_MAIN) {
		/* Its devpts exists only once the child has set up the
		 * container's /dev: the child makes the pty there and sends
		 * the master back, as runc's console socket does. */
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, console) < 0)
			goto sys_fail;
		stdio[0] = stdio[1] = stdio[2] = -1;
	} else if (s->tty) {
		if (open_pty(s->pty_pid, &master, &slave, s->rows, s->cols) < 0) {
			*code = errno;
			snprintf(err, errlen, "cannot allocate a pty: %s", strerror(errno));
			goto out;
		}
		stdio[0] = stdio[1] = stdio[2] = slave;
	} else {
		if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0)
			goto sys_fail;
		if (s->kind == PROC_EXEC || s->open_stdin) {
			if (pipe2(in, O_CLOEXEC) < 0)
				goto sys_fail;
		} else if ((in[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
			goto sys_fail;
		}
		stdio[0] = in[0];
		stdio[1] = out[1];
		stdio[2] = errp[1];
	}

	TRACE("parent: fds ready");
	for (n = 0; s->env && s->env[n]; n++)
		;
	child.env = xcalloc((size_t)n + 5, sizeof(char *));
	child.spec = s;
	child.rep = rep[1];
	child.cg = cg;
	memcpy(child.stdio, stdio, sizeof(child.stdio));
	child.console = console[1];
	child.go[0] = child.go[1] = -1;
	/* The ends the child must not keep are CLOEXEC: its execve closes them. */
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += SPAWN_TIMEOUT_MS / 1000;
	pid = start_traced(&child, &end, code, err, errlen);
	free(child.env); /* the forked child works on its own copy */
	if (pid < 0) {
		raise(SIGCHLD); /* what the wait took from main.c's signalfd */
		if (pid == -2) {
			set_nonblock(rep[0]);
			n = read(rep[0], &report, sizeof(report));
			report.msg[sizeof(report.msg) - 1] = 0;
			*code = n == (ssize_t)sizeof(report) ? report.code : EIO;
			snprintf(err, errlen, "%s", n == (ssize_t)sizeof(report) ? report.msg : "failed to start");
		}
		goto out;
	}
	TRACE("parent: child started");
	/* Into the container's cgroup before it runs: it is born in a
	 * tracing stop (its tracer's PTRACE_EVENT_STOP) and runs only once
	 * guest-init lets it. A move, as runc's of its init: not counted
	 * against the pod's pids limit, as a fork in the cgroup would be. */
	n = snprintf(path, sizeof(path), "%d", (int)pid);
	if (write(cg, path, (size_t)n) < 0) {
		*code = errno;
		snprintf(err, errlen, "cannot join the container's cgroup: %s", strerror(errno));
		kill_and_leave(pid);
		raise(SIGCHLD);
		goto out;
	}
	close_fd(&rep[1]);
	close_fd(&console[1]);
	close_fd(&slave);
	close_fd(&in[0]);
	close_fd(&out[1]);
	close_fd(&errp[1]);

	/* Wait for exec or the child's end. The child only mounts and reads
	 * a few files, so blocking the loop here is short, and what a
	 * container does to it cannot make it longer (see trace_until_exec). */
	if (fmt(path, sizeof(path), "/sys/fs/cgroup/peapod/%s/cgroup.events", s->container) >= 0)
		events = open(path, O_RDONLY | O_CLOEXEC);
	traced = trace_until_exec(pid, &end, events, &status);
	raise(SIGCHLD); /* what the wait took from main.c's signalfd */
	if (traced == TRACED_FROZEN) {
		*code = EBUSY;
		snprintf(err, errlen, "the container's cgroup is frozen: the process could not start");
		goto out;
	}
	if (traced == TRACED_TIMED_OUT) {
		*code = ETIMEDOUT;
		snprintf(err, errlen, "process did not start within %d s", SPAWN_TIMEOUT_MS / 1000);
		goto out;
	}
	TRACE("parent: child exec'd or failed");
	/* Non-blocking: nothing but the child held its write end. */
	set_nonblock(rep[0]);
	do {
		n = read(rep[0], &report, sizeof(report));
	} while (n < 0 && errno == EINTR);
	if (traced == TRACED_ENDED && n <= 0) {
		*code = ECHILD;
		if (WIFSIGNALED(status))
			snprintf(err, errlen, "process was killed by signal %d before it started",
				 WTERMSIG(status));
		else
			snprintf(err, errlen, "process ended with status %d before it started",
				 WEXITSTATUS(status));
		goto out;
	}
	if (n > 0) {
		report.msg[sizeof(report.msg) - 1] = 0;
		*code = n == (ssize_t)sizeof(report) ? report.code : EIO;
		snprintf(err, errlen, "%s", n == (ssize_t)sizeof(report) ? report.msg : "failed to start");
		goto out;
	}
	if (console[0] >= 0 && (master = receive_master(console[0])) < 0) {
		kill_and_leave(pid);
		raise(SIGCHLD);
		*code = EIO;
		snprintf(err, errlen, "cannot allocate a pty: the terminal did not arrive");
		goto out;
	}

	p = xcalloc(1, sizeof(*p));
	snprintf(p->id, sizeof(p->id), "%s", s->id);
	snprintf(p->container, sizeof(p->container), "%s", s->container);
	p->kind = s->kind;
	p->pid = pid;
	p->alive = 1;
	p->tty = s->tty;
	p->err_fd = -1;
	p->in_fd = -1;
	if (s->tty) {
		p->out_fd = master;
		p->in_fd = fcntl(master, F_DUPFD_CLOEXEC, 3);
		master = -1;
	} else {
		p->out_fd = out[0];
		p->err_fd = errp[0];
		out[0] = errp[0] = -1;
		if (s->kind == PROC_EXEC || s->open_stdin) {
			p->in_fd = in[1];
			in[1] = -1;
		}
	}
	set_nonblock(p->out_fd);
	if (p->err_fd >= 0)
		set_nonblock(p->err_fd);
	if (p->in_fd >= 0)
		set_nonblock(p->in_fd);
	p->next = procs;
	procs = p;
	goto out;

sys_fail:
	*code = errno;
	snprintf(err, errlen, "cannot start the process: %s", strerror(errno));
out:
	close_fd(&console[0]);
	close_fd(&console[1]);
	close_fd(&cg);
	close_fd(&events);
	close_fd(&rep[0]);
	close_fd(&rep[1]);
	close_fd(&in[0]);
	close_fd(&in[1]);
	close_fd(&out[0]);
	close_fd(&out[1]);
	close_fd(&errp[0]);
	close_fd(&errp[1]);
	close_fd(&master);
	close_fd(&slave);
	return p;
}

struct proc *proc_find_id(const char *id)
{
	struct proc *p;

	for (p = procs; p; p = p->next) {
		if (!p->finished && strcmp(p->id, id) == 0)
			return p;
	}
	return NULL;
}

struct proc *proc_find_pid(pid_t pid)
{
	struct proc *p;

	for (p = procs; p; p = p->next) {
		if (p->alive && p->pid == pid)
			return p;
	}
	return NULL;
}

/* ---- Output ----------------------------------------------------------------- */

static void exec_finish(struct proc *p)
{
	if (p->finished)
		return;
	p->finished = 1;
	timer_cancel(&p->drain_timer);
	close_fd(&p->in_fd);
	free(p->in_buf);
	p->in_buf = NULL;
	p->in_len = 0;
	if (p->kind == PROC_PROBE) {
		if (p->on_exit)
			p->on_exit(p->on_exit_arg, p->exit_code);
		return;
	}
	events_exited(p->container, p->id, p->exit_code, p->exit_signal, 0);
}

static void maybe_finish(struct proc *p)
{
	if (p->kind != PROC_MAIN && !p->alive && p->out_fd < 0 && p->err_fd < 0)
		exec_finish(p);
}

/* Reads one chunk from fd; returns 1 if data moved, 0 on would-block, -1 when
 * the stream ended (and the fd was closed). */
static int pump_output(struct proc *p, int *fdp, uint32_t stream)
{
	static uint8_t buf[PP_MAX_DATA_CHUNK];
	ssize_t n;

	if (*fdp < 0)
		return -1;
	do {
		n = read(*fdp, buf, sizeof(buf));
	} while (n < 0 && errno == EINTR);
	if (n > 0) {
		if (p->kind == PROC_MAIN) {
			log_record(p->container, stream, buf, (size_t)n);
			if (p->to_host)
				stream_out(stream, p->id, buf, (size_t)n);
		} else if (p->kind == PROC_PROBE) {
			/* A probe's output is not kept: its exit code is the result. */
		} else
			stream_out(stream, p->id, buf, (size_t)n);
		return 1;
	}
	if (n < 0 && errno == EAGAIN)
		return 0;
	/* EOF, or EIO from a pty master whose slave side is all closed. */
	if (p->in_fd >= 0 && p->tty && *fdp == p->out_fd)
		close_fd(&p->in_fd);
	close_fd(fdp);
	maybe_finish(p);
	return -1;
}

static void on_output(void *arg, int fd, short revents)
{
	struct proc *p = arg;

	(void)revents;
	if (fd == p->out_fd)
		pump_output(p, &p->out_fd, PP_STREAM_STDOUT);
	else if (fd == p->err_fd)
		pump_output(p, &p->err_fd, PP_STREAM_STDERR);
}

void proc_drain_now(struct proc *p)
{
	int guard = 64; /* at most 2 MiB per stream, then poll() takes over */

	while (guard-- > 0 && pump_output(p, &p->out_fd, PP_STREAM_STDOUT) > 0)
		;
	guard = 64;
	while (guard-- > 0 && pump_output(p, &p->err_fd, PP_STREAM_STDERR) > 0)
		;
}

void proc_close_output(struct proc *p)
{
	close_fd(&p->out_fd);
	close_fd(&p->err_fd);
	close_fd(&p->in_fd);
}

/* An exited exec may leave its pipes held open by a background child.
 * Wait a little for them to close; give up once nothing is left to read. */
static void drain_timeout(void *arg)
{
	struct proc *p = arg;
	int left = 0, avail;

	if (p->out_fd >= 0 && ioctl(p->out_fd, FIONREAD, &avail) == 0)
		left += avail;
	if (p->err_fd >= 0 && ioctl(p->err_fd, FIONREAD, &avail) == 0)
		left += avail;
	if (left > 0) {
		timer_arm(&p->drain_timer, 100);
		return;
	}
	close_fd(&p->out_fd);
	close_fd(&p->err_fd);
	maybe_finish(p);
}

/* ---- Input ------------------------------------------------------------------ */

static void stdin_close(struct proc *p)
{
	free(p->in_buf);
	p->in_buf = NULL;
	p->in_len = 0;
	if (p->tty) {
		/* Closing a pty master would hang the session up; end of
		 * input on a terminal is the EOF character instead. */
		if (p->in_fd >= 0 && write(p->in_fd, "\x04", 1) < 0)
			close_fd(&p->in_fd);
		p->in_eof = 0;
		return;
	}
	close_fd(&p->in_fd);
}

static void stdin_flush(struct proc *p)
{
	while (p->in_fd >= 0 && p->in_len > 0) {
		ssize_t n = write(p->in_fd, p->in_buf, p->in_len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return;
			/* The process closed its stdin: nothing more will go. */
			p->in_len = 0;
			close_fd(&p->in_fd);
			return;
		}
		memmove(p->in_buf, p->in_buf + n, p->in_len - (size_t)n);
		p->in_len -= (size_t)n;
	}
	if (p->in_len == 0 && p->in_eof)
		stdin_close(p);
}

static void on_input(void *arg, int fd, short revents)
{
	struct proc *p = arg;

	(void)revents;
	if (fd == p->in_fd)
		stdin_flush(p);
}

int proc_stdin(struct proc *p, const uint8_t *data, size_t len)
{
	if (p->in_fd < 0 || p->in_eof)
		return -EPIPE; /* nothing may follow the end of input */
	if (len == 0) {
		p->in_eof = 1;
		stdin_flush(p);
		return 0;
	}
	if (p->in_len + len > STDIN_MAX)
		return -ENOBUFS;
	if (!p->in_buf)
		p->in_buf = xmalloc(STDIN_MAX);
	memcpy(p->in_buf + p->in_len, data, len);
	p->in_len += len;
	stdin_flush(p);
	return 0;
}

int proc_winsize(struct proc *p, uint16_t rows, uint16_t cols)
{
	struct winsize ws = { rows, cols, 0, 0 };

	if (!p->tty || p->out_fd < 0)
		return -ENOTTY;
	if (ioctl(p->out_fd, TIOCSWINSZ, &ws) < 0)
		return -errno;
	return 0;
}

/* ---- Loop glue ---------------------------------------------------------------- */

void proc_poll(void)
{
	struct proc *p;
	int room = output.room ? output.room() : 0;

	for (p = procs; p; p = p->next) {
		/* Exec output waits while the host channel is backed up, so a
		 * slow host slows the process instead of losing its output. */
		if (p->kind != PROC_EXEC || room) {
			if (p->out_fd >= 0)
				pollset_add(p->out_fd, POLLIN, on_output, p);
			if (p->err_fd >= 0)
				pollset_add(p->err_fd, POLLIN, on_output, p);
		}
		if (p->in_fd >= 0 && p->in_len > 0)
			pollset_add(p->in_fd, POLLOUT, on_input, p);
	}
}

void proc_reap_all(void)
{
	for (;;) {
		struct proc *p;
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);

		if (pid <= 0)
			break;
		p = proc_find_pid(pid);
		if (!p) {
			pidns_reaped(pid); /* the pause process, or an orphan of ours */
			continue;
		}
		p->alive = 0;
		if (WIFSIGNALED(status)) {
			p->exit_signal = WTERMSIG(status);
			p->exit_code = 128 + p->exit_signal;
		} else {
			p->exit_signal = 0;
			p->exit_code = WEXITSTATUS(status);
		}
		if (p->kind == PROC_MAIN) {
			proc_drain_now(p);
			p->finished = 1;
			container_main_exited(p);
		} else if (p->out_fd < 0 && p->err_fd < 0) {
			exec_finish(p);
		} else {
			timer_init(&p->drain_timer, drain_timeout, p);
			timer_arm(&p->drain_timer, EXEC_DRAIN_MS);
		}
	}
}

void proc_gc(void)
{
	struct proc **pp = &procs;

	while (*pp) {
		struct proc *p = *pp;

		if (!p->alive && p->finished && p->out_fd < 0 && p->err_fd < 0) {
			*pp = p->next;
			timer_cancel(&p->drain_timer);
			close_fd(&p->in_fd);
			free(p->in_buf);
			free(p);
			continue;
		}
		pp = &p->next;
	}
}
