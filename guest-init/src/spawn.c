/*
 * Spawn, child side. See spawn.h.
 */
#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "podsec.h"
#include "privileges.h"
#include "seccomp.h"
#include "secctx.h"
#include "spawn.h"
#include "trace.h"
#include "user.h"
#include "util.h"

#ifndef SYS_close_range
#define SYS_close_range 436
#endif

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static void __attribute__((noreturn, format(printf, 3, 4)))
child_fail(int fd, int code, const char *f, ...)
{
	struct child_report rep;
	va_list ap;

	memset(&rep, 0, sizeof(rep));
	rep.code = code ? code : EINVAL;
	va_start(ap, f);
	vsnprintf(rep.msg, sizeof(rep.msg), f, ap);
	va_end(ap);
	if (write(fd, &rep, sizeof(rep)) < 0)
		_exit(126);
	_exit(SPAWN_REPORTED);
}

static const char *env_get(char *const *env, const char *key)
{
	size_t k = strlen(key);

	for (; *env; env++) {
		if (strncmp(*env, key, k) == 0 && (*env)[k] == '=')
			return *env + k + 1;
	}
	return NULL;
}

/* The process's environment: ENV as given, plus the variables runc and
 * Kubernetes always set when the image or spec did not. In `a`'s env (room
 * for ENV and 4 more) and buffers, allocated by guest-init before the
 * fork (the child's copy of them is what its execve uses). */
static char **build_env(const struct proc_spec *s, const char *home, struct child_args *a)
{
	char **env = a->env;
	size_t n = 0, i = 0;

	while (s->env && s->env[n])
		n++;
	for (; i < n; i++)
		env[i] = (char *)s->env[i];
	env[i] = NULL;
	if (!env_get(env, "PATH"))
		env[i++] = "PATH=" DEFAULT_PATH;
	if (!env_get(env, "HOSTNAME") && s->hostname) {
		snprintf(a->hostname, sizeof(a->hostname), "HOSTNAME=%s", s->hostname);
		env[i++] = a->hostname;
	}
	if (!env_get(env, "HOME")) {
		snprintf(a->home, sizeof(a->home), "HOME=%s", home);
		env[i++] = a->home;
	}
	if (s->tty && !env_get(env, "TERM"))
		env[i++] = "TERM=xterm";
	env[i] = NULL;
	return env;
}

static int is_executable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* argv[0] -> the file to execute, searched in PATH like execvp (but in the
 * process's own environment, not init's). */
static void resolve_exe(int rep, const char *arg0, char *const *env, char *out, size_t cap)
{
	const char *path = env_get(env, "PATH");
	const char *p;

	if (strchr(arg0, '/')) {
		if (access(arg0, F_OK) != 0)
			child_fail(rep, ENOENT, "executable \"%s\" not found", arg0);
		snprintf(out, cap, "%s", arg0);
		return;
	}
	if (!path)
		path = DEFAULT_PATH;
	for (p = path; p; ) {
		const char *c = strchr(p, ':');
		size_t len = c ? (size_t)(c - p) : strlen(p);

		if (len > 0 && snprintf(out, cap, "%.*s/%s", (int)len, p, arg0) < (int)cap &&
		    is_executable(out))
			return;
		p = c ? c + 1 : NULL;
	}
	child_fail(rep, ENOENT, "executable \"%s\" not found in PATH", arg0);
}

/*
 * The container's /etc/passwd or /etc/group, or NULL when it is no regular
 * file: a container that made the file a FIFO with no writer would block
 * the open until the 30 s start timeout killed the child (and, while the
 * child shared guest-init's memory in session 10, PID 1 with it, for good).
 * O_NONBLOCK opens a FIFO at once and the type check refuses it (and
 * devices) before any read.
 */
static char *read_small_file(const char *path)
{
	size_t cap = 1u << 20;
	struct stat st;
	char *buf;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !(buf = malloc(cap))) {
		close(fd);
		return NULL;
	}
	read_fd(fd, buf, cap);
	close(fd);
	return buf;
}

/* Kubernetes' runAsNonRoot, checked on the uid the user resolved to (so an
 * image's USER given by name is checked too, where the kubelet refuses to
 * guess), with the kubelet's message. */
static void check_non_root(int rep, const struct proc_spec *s, const struct user_ids *ids)
{
	if (!s->security || !s->security->run_as_non_root || ids->uid != 0)
		return;
	child_fail(rep, EPERM,
		   "container has runAsNonRoot and image will run as root (pod: \"%s\", container: %s)",
		   podsec_pod_name(), s->container);
}

/* Installs the seccomp profile unless the container is Unconfined: its
 * Localhost program, or the default profile for its capabilities. */
static void confine_syscalls(int rep, const struct pp_security *sec)
{
	int rc;

	if (sec && sec->seccomp == PP_SECCOMP_UNCONFINED)
		return;
	if (sec && sec->seccomp == PP_SECCOMP_FILTER)
		rc = seccomp_install_program(sec->filter, sec->filter_len);
	else
		rc = seccomp_install(secctx_caps(sec));
	if (rc != 0)
		child_fail(rep, rc, "cannot install the seccomp profile: %s", strerror(rc));
}

#ifndef TIOCGPTPEER
#define TIOCGPTPEER 0x5441
#endif

/* A main process's terminal: a pty of the container's devpts (now mounted
 * at /dev/pts), its master sent to init over `console`. Returns the slave. */
static int make_console(int rep, int console, uint16_t rows, uint16_t cols)
{
	struct winsize ws = { rows ? rows : 24, cols ? cols : 80, 0, 0 };
	char ctrl[CMSG_SPACE(sizeof(int))], byte = 0;
	struct iovec iov = { &byte, 1 };
	struct msghdr mh;
	struct cmsghdr *cm;
	int master, slave, unlock = 0;

	master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || ioctl(master, TIOCSPTLCK, &unlock) < 0 ||
	    (slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
		child_fail(rep, errno, "cannot allocate a pty: %s", strerror(errno));
	ioctl(master, TIOCSWINSZ, &ws);
	memset(&mh, 0, sizeof(mh));
	memset(ctrl, 0, sizeof(ctrl));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctrl;
	mh.msg_controllen = sizeof(ctrl);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &master, sizeof(int));
	if (sendmsg(console, &mh, 0) < 0)
		child_fail(rep, errno, "cannot pass the pty on: %s", strerror(errno));
	close(master);
	close(console);
	return slave;
}

/* Closes every fd but 0-2 and the report pipe's write end (CLOEXEC: the
 * execve closes it): guest-init's own (the host channels, its PID
 * namespace, its signalfd, other processes' pipes) were only marked
 * CLOEXEC before, and a container granted CAP_SYS_PTRACE took them from
 * the child before its execve with pidfd_getfd (found in review, session
 * 12). 0, or an errno. */
static int close_others(int rep)
{
	struct rlimit rl;
	unsigned int fd, max;

	if (rep < 3)
		return EBADF; /* guest-init's 0-2 are the console: cannot be */
	if ((rep == 3 || syscall(SYS_close_range, 3u, (unsigned int)rep - 1, 0u) == 0) &&
	    syscall(SYS_close_range, (unsigned int)rep + 1, ~0u, 0u) == 0)
		return 0;
	/* No close_range: each fd up to the limit. */
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return errno;
	max = rl.rlim_cur > 65536 ? 65536 : (unsigned int)rl.rlim_cur;
	for (fd = 3; fd < max; fd++) {
		if ((int)fd != rep)
			close((int)fd);
	}
	return 0;
}

/* setgroups, setgid, setuid to the resolved user: for a uid other than 0
 * the kernel clears the effective and permitted capabilities. */
static void switch_user(int rep, const struct proc_spec *s, const struct prepared *pr)
{
	if (setgroups(pr->ngroups, pr->groups) < 0 || setgid(pr->ids.gid) < 0 ||
	    setuid(pr->ids.uid) < 0)
		child_fail(rep, errno, "cannot switch to user \"%s\": %s", s->user ? s->user : "0",
			   strerror(errno));
}

/* The user, capabilities, no_new_privs and seccomp profile the process
 * runs with, in that order (the helper's, or for own_proc the child's,
 * last steps before the clone or execve). Without no_new_privs the filter
 * must go on while CAP_SYS_ADMIN is still effective, as runc does, and
 * then the profile must allow the calls after it (setgroups, setuid,
 * capset, and clone in the helper); with it, the filter goes last. */
static void confine(int rep, const struct proc_spec *s, struct prepared *pr)
{
	char msg[300];
	int rc;

	if (!pr->nnp)
		confine_syscalls(rep, s->security);
	switch_user(rep, s, pr);
	if ((rc = privileges_set_caps(pr->ids.uid == 0 ? pr->caps : 0, msg, sizeof(msg))) != 0)
		child_fail(rep, rc, "%s", msg);
	TRACE("child: caps dropped, user set");
	resolve_exe(rep, s->argv[0], pr->env, pr->exe, sizeof(pr->exe));
	if (pr->nnp) {
		if ((rc = privileges_no_new_privs(msg, sizeof(msg))) != 0)
			child_fail(rep, rc, "%s", msg);
		confine_syscalls(rep, s->security);
	}
}

/*
 * Everything a process needs before its execve, done in the helper: in
 * guest-init's PID namespace, where no container sees, signals, traces or
 * opens it (/proc/PID/root, /proc/PID/mem, pidfd_getfd: a container
 * granted CAP_SYS_PTRACE passes every check on a process it can name,
 * tracee of guest-init or not). Enters the container
 * (spec->enter: its mount namespace and root), sets up stdio, resolves the
 * user and environment, changes directory, closes every other fd, drops
 * the bounding set and capabilities, switches user, sets no_new_privs and
 * the seccomp profile. What the helper then clones is, from its birth, no
 * more than its container: its capabilities, user, root, mounts and fds
 * are the container's, and the profile confines it; guest-init moves it
 * into the container's cgroup before it runs its first instruction (it is
 * born in a tracing stop). Before
 * (5632418), the clone did all this itself, with every capability, in
 * guest-init's mount namespace and cgroup and holding guest-init's fds
 * until its execve, and a SYS_PTRACE container grabbed 39 of 40 EXECs
 * (found in review, session 12; check-vm's grab race).
 *
 * A container granted CAP_SYS_ADMIN (own_proc: spec->enter_child) mounts
 * a /proc of its own, which shows the PID namespace of whoever mounts it:
 * that mount is the child's, so its user, capabilities and profile are
 * set there, after it (the helper leaves it root with the container's
 * capabilities and CAP_SETUID/CAP_SETGID, no more).
 */
static void prepare(struct child_args *a, struct prepared *pr)
{
	const struct proc_spec *s = a->spec;
	int rep = a->rep, console = a->console;
	int stdio[3] = { a->stdio[0], a->stdio[1], a->stdio[2] };
	char msg[300], *passwd, *group;
	const char *cwd = s->cwd && *s->cwd ? s->cwd : "/";
	sigset_t none;
	int i, rc;

	/* Undo what PID 1 set up for itself: blocked signals (kept across
	 * clone and execve) and SIGPIPE ignored (also kept). Ignoring SIGPIPE
	 * is the only disposition guest-init changes (main.c's setup_signals;
	 * it takes the rest through a signalfd), and execve resets caught
	 * ones anyway. */
	signal(SIGPIPE, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	pr->nnp = secctx_no_new_privs(s->security);
	pr->caps = secctx_caps(s->security);
	pr->later = s->enter_child != NULL;
	/* Not the container's cgroup: guest-init moves the process there
	 * before it runs (process.c), as runc moves its init, so a pod at
	 * its pids limit still starts a process whose own forks then fail;
	 * the helper and its clone would count against the limit. */
	if (s->enter && (rc = s->enter(s->enter_arg, msg, sizeof(msg))) != 0)
		child_fail(rep, rc, "%s", msg);
	if (console >= 0)
		stdio[0] = stdio[1] = stdio[2] = make_console(rep, console, s->rows, s->cols);
	for (i = 0; i < 3; i++) {
		if (dup2(stdio[i], i) < 0)
			child_fail(rep, errno, "dup2: %s", strerror(errno));
	}
	TRACE("child: stdio");
	passwd = read_small_file("/etc/passwd");
	group = read_small_file("/etc/group");
	rc = user_resolve(s->user, passwd, group, &pr->ids, msg, sizeof(msg));
	if (rc == 0) {
		pr->ngroups = secctx_groups(s->security, &pr->ids, pr->groups, ARRAY_LEN(pr->groups));
		pr->env = build_env(s, pr->ids.home, a);
	}
	free(passwd);
	free(group);
	if (rc < 0)
		child_fail(rep, ENOENT, "%s", msg);
	check_non_root(rep, s, &pr->ids);
	TRACE("child: user resolved");
	if (chdir(cwd) < 0) {
		if (errno != ENOENT || mkdir_p(cwd, 0755) < 0 || chdir(cwd) < 0)
			child_fail(rep, errno, "cannot change to working directory \"%s\": %s", cwd,
				   strerror(errno));
	}
	if ((rc = close_others(rep)) != 0)
		child_fail(rep, rc, "cannot close guest-init's files: %s", strerror(rc));
	trace_on = 0; /* its fd is closed */
	/* Before any seccomp filter: a Localhost profile answering EINVAL for
	 * prctl made the drop stop at once, every capability kept (found in
	 * review, session 11). It touches the bounding set only, so
	 * CAP_SYS_ADMIN stays effective for the filter (confine). */
	if ((rc = privileges_drop_caps(pr->caps, msg, sizeof(msg))) != 0)
		child_fail(rep, rc, "%s", msg);
	if (!pr->later) {
		confine(rep, s, pr);
		return;
	}
	/* own_proc: root with the container's capabilities (CAP_SYS_ADMIN
	 * among them: that is what makes it own_proc), and the two the
	 * child's switch of user needs. */
	if ((rc = privileges_set_caps(pr->caps | 1ull << 6 | 1ull << 7, msg, sizeof(msg))) != 0)
		child_fail(rep, rc, "%s", msg);
}

/*
 * The helper: forked by guest-init in guest-init's own PID namespace, so
 * no container sees it (nor can signal, trace or open it), and guest-init's
 * tracee (PTRACE_SEIZE with PTRACE_O_TRACEFORK and _CLONE) before it does
 * anything. It enters the pod's PID namespace for its children, makes
 * itself what the process will be (prepare), and clones the process with
 * CLONE_PARENT: the kernel attaches the new process to guest-init, the
 * helper's tracer, inside clone() itself, before it runs or has a pid
 * anyone could name, so no container can attach to it first (PTRACE_ATTACH
 * to a traced process fails) and a stop signal a container sends it is
 * dropped (process.c) until its execve. CLONE_PARENT makes guest-init the
 * process's parent: it reaps it and hears its exit status (a child of the
 * helper would be handed to the pause process once the helper ends).
 *
 * Exits with 0 once the process is made, with clone()'s or setns()'s
 * errno (ENOMEM: the namespace's pause process is gone), or with
 * SPAWN_REPORTED after a child_report on the report pipe.
 *
 * The process's memory is a copy of guest-init's (fork, then clone) until
 * its execve, and a container granted CAP_SYS_PTRACE can read it through
 * /proc/PID/mem meanwhile: guest-init's heap holds the pod's containers'
 * specs (their environments among them), the host channel's buffers (the
 * last requests, a volume of files' contents while it is written) and
 * whatever a freed block still holds. The same container can read most of
 * it from the pod's processes anyway (their environ, their roots); see
 * guest-init/README.md.
 */
void helper_main(struct child_args *a)
{
	struct prepared pr;
	long pid;
	char go;

	close(a->go[1]);
	while (read(a->go[0], &go, 1) < 0 && errno == EINTR)
		;
	close(a->go[0]);
	memset(&pr, 0, sizeof(pr));
	/* A session of its own, so the clone (which inherits it until its own
	 * setsid) is never in PID 1's process group: a kill(0, SIGTERM) made to
	 * run in it before its execve reached guest-init's signalfd and shut
	 * the VM down. Not dumpable, so that until its execve (which makes it
	 * dumpable again) only a holder of CAP_SYS_PTRACE passes the kernel's
	 * access check for /proc/PID/mem and pidfd_getfd: a container's root
	 * with its own uid and capabilities passed it, wrote code into its own
	 * EXEC's process and read other containers' secrets from the copy of
	 * guest-init's heap (both found in review of 7aa58d0). */
	if (setsid() < 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		_exit(errno & 0xff);
	if (setns(a->pod_ns, CLONE_NEWPID) < 0)
		_exit(errno & 0xff);
	prepare(a, &pr);
	/* The raw call, as fork() without its libc bookkeeping: the child
	 * runs child_main on a copy of this memory and ends in execve() or
	 * _exit(); musl's fork() adds only the thread id it caches for
	 * raise() and pthreads, which child_main does not use. */
	pid = syscall(SYS_clone, (unsigned long)CLONE_PARENT | SIGCHLD, 0UL, 0UL, 0UL, 0UL);
	/* A seccomp profile may answer clone with ERRNO(0): the helper then
	 * "is" the child, in guest-init's PID namespace. The real child's
	 * parent (guest-init, CLONE_PARENT) is outside its namespace, so its
	 * getppid() is 0; the helper's is 1 (found in review of 7aa58d0). */
	if (pid == 0 && getppid() != 0)
		_exit(EPERM);
	if (pid == 0)
		child_main(a, &pr);
	_exit(pid < 0 ? errno & 0xff : 0);
}

void child_main(struct child_args *a, struct prepared *pr)
{
	const struct proc_spec *s = a->spec;
	int rep = a->rep, rc;
	char msg[300];

	/* In the pod's PID namespace, guest-init's tracee from birth
	 * (helper_main), and already no more than its container: only what
	 * must be done by the process itself is left. */
	if (setsid() < 0)
		child_fail(rep, errno, "setsid: %s", strerror(errno));
	if (s->tty && ioctl(0, TIOCSCTTY, 0) < 0)
		child_fail(rep, errno, "cannot set the controlling terminal: %s", strerror(errno));
	if (pr->later) {
		if ((rc = s->enter_child(s->enter_arg, msg, sizeof(msg))) != 0)
			child_fail(rep, rc, "%s", msg);
		confine(rep, s, pr);
	}
	execve(pr->exe, (char *const *)s->argv, pr->env);
	child_fail(rep, errno, "cannot execute \"%s\": %s", pr->exe, strerror(errno));
}
