/*
 * The default seccomp profile. See seccomp.h.
 *
 * Docker's default profile (moby profiles/seccomp/default.json, as of
 * Docker 25) is an allow-list: every system call not named fails with
 * EPERM. Its entries that depend on the architecture are resolved here for
 * x86_64; those that depend on capabilities are the cap_calls table, opened
 * for the capabilities the container holds (its bounding set, secctx.c), as
 * Docker and containerd resolve the profile per container. With the default
 * set, which holds CAP_SYS_CHROOT (so chroot is allowed) and none of
 * CAP_SYS_ADMIN, CAP_SYS_BOOT, CAP_SYS_MODULE, CAP_SYS_PTRACE, CAP_SYS_TIME,
 * ..., mount, unshare, setns, reboot, init_module, bpf, perf_event_open,
 * clock_settime and the rest stay refused; kexec_load, keyctl and io_uring
 * stay refused whatever the capabilities, as in Docker. Three calls
 * are allowed only for some arguments, as in Docker: clone without
 * namespace flags, socket of any family but AF_VSOCK, personality to one of
 * five harmless values. clone3 fails with ENOSYS, since its flags live in
 * memory a filter cannot read, and ENOSYS makes libcs fall back to clone.
 * io_uring is refused, as in Docker 25 and containerd 2: its rings run
 * operations the filter never sees.
 *
 * As in runc, a call numbered above every call the table knows fails with
 * ENOSYS rather than EPERM, so programs probing a newer kernel's calls fall
 * back instead of giving up. The table is x86_64's: a call through another
 * ABI kills the process (i386 through int 0x80, which the guest kernel,
 * built without IA32 emulation, would refuse anyway), and x32 numbers (bit
 * 30 set) fall above the table, so ENOSYS.
 *
 * The argument checks compare the low 32 bits only: socket(2)'s domain and
 * personality(2)'s persona are ints, and clone(2) uses the low 32 bits of
 * its flags, so a value with high bits set is checked as the kernel will
 * use it (libseccomp's 64-bit compare would let 0x1_0000_0028 through as
 * not-AF_VSOCK).
 *
 * The program is a binary search over the sorted ranges of calls that
 * share an action: about ten comparisons per system call, where a list of
 * 300 equality tests would cost up to 300 (and every call a container makes
 * pays it, under TCG at that).
 */
#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "proto.h"
#include "seccomp.h"

#if !defined(__x86_64__)
#error "the seccomp profile is written for x86_64"
#endif

/* Calls newer than the libc headers this may be built with (x86_64). */
#ifndef SYS_quotactl_fd
#define SYS_quotactl_fd 443
#endif
#ifndef SYS_memfd_secret
#define SYS_memfd_secret 447
#endif
#ifndef SYS_process_mrelease
#define SYS_process_mrelease 448
#endif
#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif
#ifndef SYS_cachestat
#define SYS_cachestat 451
#endif
#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif
#ifndef SYS_map_shadow_stack
#define SYS_map_shadow_stack 453
#endif
#ifndef SYS_futex_wake
#define SYS_futex_wake 454
#endif
#ifndef SYS_futex_wait
#define SYS_futex_wait 455
#endif
#ifndef SYS_futex_requeue
#define SYS_futex_requeue 456
#endif

enum action {
	REFUSE,      /* EPERM: the default */
	ALLOW,
	NOT_HERE,    /* ENOSYS */
	CLONE,       /* allowed without namespace flags */
	SOCKET,      /* allowed for any family but AF_VSOCK */
	PERSONALITY, /* allowed for the five personas Docker allows */
};

struct rule {
	int nr;
	enum action action;
};

#define A(name) { SYS_##name, ALLOW }

/* Docker's default profile for x86_64 and the default capabilities. */
static const struct rule profile[] = {
	A(accept), A(accept4), A(access), A(adjtimex), A(alarm), A(arch_prctl), A(bind), A(brk),
	A(cachestat), A(capget), A(capset), A(chdir), A(chmod), A(chown),
	A(clock_adjtime), A(clock_getres), A(clock_gettime), A(clock_nanosleep), A(close),
	A(close_range), A(connect), A(copy_file_range), A(creat), A(dup), A(dup2), A(dup3),
	A(epoll_create), A(epoll_create1), A(epoll_ctl), A(epoll_ctl_old), A(epoll_pwait),
	A(epoll_pwait2), A(epoll_wait), A(epoll_wait_old), A(eventfd), A(eventfd2), A(execve),
	A(execveat), A(exit), A(exit_group), A(faccessat), A(faccessat2), A(fadvise64),
	A(fallocate), A(fanotify_mark), A(fchdir), A(fchmod), A(fchmodat), A(fchmodat2),
	A(fchown), A(fchownat), A(fcntl), A(fdatasync), A(fgetxattr), A(flistxattr), A(flock),
	A(fork), A(fremovexattr), A(fsetxattr), A(fstat), A(fstatfs), A(fsync), A(ftruncate),
	A(futex), A(futex_requeue), A(futex_wait), A(futex_waitv), A(futex_wake), A(futimesat),
	A(getcpu), A(getcwd), A(getdents), A(getdents64), A(getegid), A(geteuid), A(getgid),
	A(getgroups), A(getitimer), A(getpeername), A(getpgid), A(getpgrp), A(getpid),
	A(getppid), A(getpriority), A(getrandom), A(getresgid), A(getresuid), A(getrlimit),
	A(get_robust_list), A(getrusage), A(getsid), A(getsockname), A(getsockopt),
	A(get_thread_area), A(gettid), A(gettimeofday), A(getuid), A(getxattr),
	A(inotify_add_watch), A(inotify_init), A(inotify_init1), A(inotify_rm_watch),
	A(io_cancel), A(ioctl), A(io_destroy), A(io_getevents), A(io_pgetevents), A(ioprio_get),
	A(ioprio_set), A(io_setup), A(io_submit), A(kill), A(landlock_add_rule),
	A(landlock_create_ruleset), A(landlock_restrict_self), A(lchown), A(lgetxattr), A(link),
	A(linkat), A(listen), A(listxattr), A(llistxattr), A(lremovexattr), A(lseek),
	A(lsetxattr), A(lstat), A(madvise), A(map_shadow_stack), A(membarrier), A(memfd_create),
	A(memfd_secret), A(mincore), A(mkdir), A(mkdirat), A(mknod), A(mknodat), A(mlock),
	A(mlock2), A(mlockall), A(mmap), A(modify_ldt), A(mprotect), A(mq_getsetattr),
	A(mq_notify), A(mq_open), A(mq_timedreceive), A(mq_timedsend), A(mq_unlink), A(mremap),
	A(msgctl), A(msgget), A(msgrcv), A(msgsnd), A(msync), A(munlock), A(munlockall),
	A(munmap), A(name_to_handle_at), A(nanosleep), A(newfstatat), A(open), A(openat),
	A(openat2), A(pause), A(pidfd_open), A(pidfd_send_signal), A(pipe), A(pipe2),
	A(pkey_alloc), A(pkey_free), A(pkey_mprotect), A(poll), A(ppoll), A(prctl), A(pread64),
	A(preadv), A(preadv2), A(prlimit64), A(process_mrelease), A(process_vm_readv),
	A(process_vm_writev), A(pselect6), A(ptrace), A(pwrite64), A(pwritev), A(pwritev2),
	A(read), A(readahead), A(readlink), A(readlinkat), A(readv), A(recvfrom), A(recvmmsg),
	A(recvmsg), A(remap_file_pages), A(removexattr), A(rename), A(renameat), A(renameat2),
	A(restart_syscall), A(rmdir), A(rseq), A(rt_sigaction), A(rt_sigpending),
	A(rt_sigprocmask), A(rt_sigqueueinfo), A(rt_sigreturn), A(rt_sigsuspend),
	A(rt_sigtimedwait), A(rt_tgsigqueueinfo), A(sched_getaffinity), A(sched_getattr),
	A(sched_getparam), A(sched_get_priority_max), A(sched_get_priority_min),
	A(sched_getscheduler), A(sched_rr_get_interval), A(sched_setaffinity), A(sched_setattr),
	A(sched_setparam), A(sched_setscheduler), A(sched_yield), A(seccomp), A(select),
	A(semctl), A(semget), A(semop), A(semtimedop), A(sendfile), A(sendmmsg), A(sendmsg),
	A(sendto), A(setfsgid), A(setfsuid), A(setgid), A(setgroups), A(setitimer), A(setpgid),
	A(setpriority), A(setregid), A(setresgid), A(setresuid), A(setreuid), A(setrlimit),
	A(set_robust_list), A(setsid), A(setsockopt), A(set_thread_area), A(set_tid_address),
	A(setuid), A(setxattr), A(shmat), A(shmctl), A(shmdt), A(shmget), A(shutdown),
	A(sigaltstack), A(signalfd), A(signalfd4), A(socketpair), A(splice), A(stat), A(statfs),
	A(statx), A(symlink), A(symlinkat), A(sync), A(sync_file_range), A(syncfs), A(sysinfo),
	A(tee), A(tgkill), A(time), A(timer_create), A(timer_delete), A(timer_getoverrun),
	A(timer_gettime), A(timer_settime), A(timerfd_create), A(timerfd_gettime),
	A(timerfd_settime), A(times), A(tkill), A(truncate), A(umask), A(uname), A(unlink),
	A(unlinkat), A(utime), A(utimensat), A(utimes), A(vfork), A(vmsplice), A(wait4),
	A(waitid), A(write), A(writev),
	{ SYS_clone, CLONE },
	{ SYS_clone3, NOT_HERE },
	{ SYS_socket, SOCKET },
	{ SYS_personality, PERSONALITY },
};

#undef A

/* Calls Docker's profile allows only to a holder of a capability
 * (capability number, call); CAP_SYS_ADMIN also lifts clone's namespace
 * check. */
static const struct {
	int cap;
	int nr;
} cap_calls[] = {
	{ 2, SYS_open_by_handle_at },                           /* DAC_READ_SEARCH */
	{ 16, SYS_delete_module }, { 16, SYS_init_module },     /* SYS_MODULE */
	{ 16, SYS_finit_module },
	{ 17, SYS_iopl }, { 17, SYS_ioperm },                   /* SYS_RAWIO */
	{ 18, SYS_chroot },                                     /* SYS_CHROOT */
	{ 19, SYS_kcmp }, { 19, SYS_pidfd_getfd },              /* SYS_PTRACE */
	{ 19, SYS_process_madvise },
	{ 20, SYS_acct },                                       /* SYS_PACCT */
	{ 21, SYS_bpf }, { 21, SYS_fanotify_init },             /* SYS_ADMIN */
	{ 21, SYS_fsconfig }, { 21, SYS_fsmount }, { 21, SYS_fsopen }, { 21, SYS_fspick },
	{ 21, SYS_lookup_dcookie }, { 21, SYS_mount }, { 21, SYS_mount_setattr },
	{ 21, SYS_move_mount }, { 21, SYS_open_tree }, { 21, SYS_perf_event_open },
	{ 21, SYS_quotactl }, { 21, SYS_quotactl_fd }, { 21, SYS_setdomainname },
	{ 21, SYS_sethostname }, { 21, SYS_setns }, { 21, SYS_syslog }, { 21, SYS_umount2 },
	{ 21, SYS_unshare },
	{ 22, SYS_reboot },                                     /* SYS_BOOT */
	{ 23, SYS_get_mempolicy }, { 23, SYS_mbind },           /* SYS_NICE */
	{ 23, SYS_set_mempolicy },
	{ 25, SYS_settimeofday }, { 25, SYS_clock_settime },    /* SYS_TIME */
	{ 26, SYS_vhangup },                                    /* SYS_TTY_CONFIG */
	{ 34, SYS_syslog },                                     /* SYSLOG */
	{ 38, SYS_perf_event_open },                            /* PERFMON */
	{ 39, SYS_bpf },                                        /* BPF */
};
#define CAP_SYS_ADMIN_BIT (1ull << 21)

/* CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |
 * CLONE_NEWPID | CLONE_NEWNET: Docker's mask (0x7E020000). */
#define CLONE_NAMESPACE_FLAGS 0x7e020000u
#define AF_VSOCK_FAMILY 40u
/* PER_LINUX, PER_LINUX32, UNAME26, UNAME26 | PER_LINUX32, and the query. */
static const uint32_t allowed_personas[] = { 0x0, 0x8, 0x20000, 0x20008, 0xffffffffu };

/* Classic BPF opcodes (linux/bpf_common.h). */
#define LD_W_ABS 0x20 /* BPF_LD | BPF_W | BPF_ABS */
#define JMP_JA 0x05   /* BPF_JMP | BPF_JA */
#define JMP_JEQ 0x15  /* BPF_JMP | BPF_JEQ | BPF_K */
#define JMP_JGE 0x35  /* BPF_JMP | BPF_JGE | BPF_K */
#define JMP_JSET 0x45 /* BPF_JMP | BPF_JSET | BPF_K */
#define RET_K 0x06    /* BPF_RET | BPF_K */

#define OFF_NR 0
#define OFF_ARCH 4
#define OFF_ARG0_LOW 16 /* little-endian: the low half of args[0] */

/* Every system call number up to here has an entry in the action map. */
#define MAP_SIZE 512

/* A run of system call numbers [lo, next range's lo) with one action. */
struct range {
	uint32_t lo;
	enum action action;
};

struct emitter {
	struct bpf_op *out; /* NULL: only count */
	size_t n, cap;
};

static void op(struct emitter *e, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
	if (e->out && e->n < e->cap) {
		e->out[e->n].code = code;
		e->out[e->n].jt = jt;
		e->out[e->n].jf = jf;
		e->out[e->n].k = k;
	}
	e->n++;
}

static void leaf(struct emitter *e, enum action a)
{
	size_t i, n = sizeof(allowed_personas) / sizeof(allowed_personas[0]);

	switch (a) {
	case ALLOW:
		op(e, RET_K, 0, 0, SECCOMP_RET_ALLOW);
		break;
	case REFUSE:
		op(e, RET_K, 0, 0, SECCOMP_RET_ERRNO | EPERM);
		break;
	case NOT_HERE:
		op(e, RET_K, 0, 0, SECCOMP_RET_ERRNO | ENOSYS);
		break;
	case CLONE:
		op(e, LD_W_ABS, 0, 0, OFF_ARG0_LOW);
		op(e, JMP_JSET, 1, 0, CLONE_NAMESPACE_FLAGS);
		op(e, RET_K, 0, 0, SECCOMP_RET_ALLOW);
		op(e, RET_K, 0, 0, SECCOMP_RET_ERRNO | EPERM);
		break;
	case SOCKET:
		op(e, LD_W_ABS, 0, 0, OFF_ARG0_LOW);
		op(e, JMP_JEQ, 1, 0, AF_VSOCK_FAMILY);
		op(e, RET_K, 0, 0, SECCOMP_RET_ALLOW);
		op(e, RET_K, 0, 0, SECCOMP_RET_ERRNO | EPERM);
		break;
	case PERSONALITY:
		/* Each match jumps over the rest and the EPERM to the ALLOW. */
		op(e, LD_W_ABS, 0, 0, OFF_ARG0_LOW);
		for (i = 0; i < n; i++)
			op(e, JMP_JEQ, (uint8_t)(n - i), 0, allowed_personas[i]);
		op(e, RET_K, 0, 0, SECCOMP_RET_ERRNO | EPERM);
		op(e, RET_K, 0, 0, SECCOMP_RET_ALLOW);
		break;
	}
}

static size_t tree_size(const struct range *r, size_t a, size_t b);

/*
 * Ranges a..b as a search tree: "nr >= r[m].lo" sends the call right. A
 * classic BPF jump reaches at most 255 instructions ahead, so when the left
 * subtree is longer the true branch goes through an unconditional jump.
 */
static void tree(struct emitter *e, const struct range *r, size_t a, size_t b)
{
	size_t m, left;

	if (a == b) {
		leaf(e, r[a].action);
		return;
	}
	m = (a + b + 1) / 2;
	left = tree_size(r, a, m - 1);
	if (left <= 255) {
		op(e, JMP_JGE, (uint8_t)left, 0, r[m].lo);
	} else {
		op(e, JMP_JGE, 0, 1, r[m].lo);
		op(e, JMP_JA, 0, 0, (uint32_t)left);
	}
	tree(e, r, a, m - 1);
	tree(e, r, m, b);
}

static size_t tree_size(const struct range *r, size_t a, size_t b)
{
	struct emitter count = { NULL, 0, 0 };

	tree(&count, r, a, b);
	return count.n;
}

size_t seccomp_compile(uint64_t caps, struct bpf_op *out, size_t cap)
{
	struct range ranges[MAP_SIZE + 1];
	enum action map[MAP_SIZE];
	struct emitter e = { out, 0, cap };
	size_t i, n = 0;
	int top = 0;

	for (i = 0; i < MAP_SIZE; i++)
		map[i] = REFUSE;
	for (i = 0; i < sizeof(profile) / sizeof(profile[0]); i++) {
		if (profile[i].nr < 0 || profile[i].nr >= MAP_SIZE)
			return 0;
		map[profile[i].nr] = profile[i].action;
		if (profile[i].nr > top)
			top = profile[i].nr;
	}
	for (i = 0; i < sizeof(cap_calls) / sizeof(cap_calls[0]); i++) {
		if (!(caps & (1ull << cap_calls[i].cap)))
			continue;
		if (cap_calls[i].nr < 0 || cap_calls[i].nr >= MAP_SIZE)
			return 0;
		map[cap_calls[i].nr] = ALLOW;
		if (cap_calls[i].nr > top)
			top = cap_calls[i].nr;
	}
	if (caps & CAP_SYS_ADMIN_BIT)
		map[SYS_clone] = ALLOW;
	for (i = 0; i <= (size_t)top; i++) {
		if (n == 0 || ranges[n - 1].action != map[i]) {
			ranges[n].lo = (uint32_t)i;
			ranges[n++].action = map[i];
		}
	}
	/* Newer than the table: ENOSYS (this also takes the x32 numbers,
	 * which have bit 30 set). */
	ranges[n].lo = (uint32_t)top + 1;
	ranges[n++].action = NOT_HERE;

	op(&e, LD_W_ABS, 0, 0, OFF_ARCH);
	op(&e, JMP_JEQ, 1, 0, AUDIT_ARCH_X86_64);
	op(&e, RET_K, 0, 0, SECCOMP_RET_KILL_PROCESS);
	op(&e, LD_W_ABS, 0, 0, OFF_NR);
	tree(&e, ranges, 0, n - 1);
	return e.n <= cap ? e.n : 0;
}

int seccomp_install(uint64_t caps)
{
	static struct bpf_op prog[BPF_MAX_OPS];
	struct {
		unsigned short len;
		struct bpf_op *filter;
	} fprog;
	size_t n = seccomp_compile(caps, prog, BPF_MAX_OPS);

	if (n == 0)
		return E2BIG;
	fprog.len = (unsigned short)n;
	fprog.filter = prog;
	if (prctl(PR_SET_SECCOMP, 2 /* SECCOMP_MODE_FILTER */, &fprog, 0, 0) < 0)
		return errno;
	return 0;
}

int seccomp_program_valid(size_t len)
{
	return len > 0 && len % sizeof(struct bpf_op) == 0 &&
	       len / sizeof(struct bpf_op) <= PP_MAX_FILTER_OPS;
}

/* The host's program is little-endian struct sock_filter, as x86_64 lays it
 * out; it is copied field by field so no alignment is assumed. */
int seccomp_install_program(const uint8_t *program, size_t len)
{
	static struct bpf_op prog[BPF_MAX_OPS];
	struct {
		unsigned short len;
		struct bpf_op *filter;
	} fprog;
	size_t i, n = len / sizeof(struct bpf_op);

	if (!seccomp_program_valid(len))
		return EINVAL;
	for (i = 0; i < n; i++) {
		const uint8_t *p = program + i * 8;

		prog[i].code = (uint16_t)(p[0] | p[1] << 8);
		prog[i].jt = p[2];
		prog[i].jf = p[3];
		prog[i].k = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 |
			    (uint32_t)p[7] << 24;
	}
	fprog.len = (unsigned short)n;
	fprog.filter = prog;
	if (prctl(PR_SET_SECCOMP, 2 /* SECCOMP_MODE_FILTER */, &fprog, 0, 0) < 0)
		return errno;
	return 0;
}
