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
 */
#include <errno.h>
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

int main(int argc, char **argv)
{
	int i;

	if (argc == 2 && strcmp(argv[1], "zombie-leader") == 0)
		return zombie_leader();
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
